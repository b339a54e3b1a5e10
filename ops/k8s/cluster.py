"""Reads the state of a screening release from the Kubernetes API (and, through the API server's service
proxy, from Triton's HTTP API). Pure data out: the CLI formats it, the tests compare it."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from kubernetes import client

# The chart's names: "<fullname>-<component>", pods labelled app.kubernetes.io/{instance,component}.
COMPONENTS = ("ingest", "decision", "workers", "triton", "otel-collector")
CONSUMER_GROUPS = {
    "screening-workers": "screening.requests.v1",
    "screening-decision": "screening.verdicts.v1",
}


@dataclasses.dataclass(frozen=True)
class WorkloadStatus:
    kind: str
    name: str
    component: str
    desired: int
    ready: int
    updated: int
    available: int
    generation_observed: bool
    message: str = ""

    @property
    def ready_ok(self) -> bool:
        return self.ready >= self.desired and self.available >= self.desired

    @property
    def rolled_out(self) -> bool:
        """Like `kubectl rollout status`: the newest spec is observed, updated everywhere and available."""
        return self.generation_observed and self.updated >= self.desired and self.ready_ok


@dataclasses.dataclass(frozen=True)
class RayServiceStatus:
    name: str
    ready: bool
    upgrading: bool
    state: str
    applications: dict[str, str]
    message: str = ""


@dataclasses.dataclass(frozen=True)
class ModelStatus:
    name: str
    version: str
    state: str
    reason: str = ""

    @property
    def ready(self) -> bool:
        return self.state == "READY"


@dataclasses.dataclass(frozen=True)
class ConsumerLag:
    group: str
    topic: str
    lag: int | None
    partitions: int
    error: str = ""


def _condition(conditions: list[dict] | None, kind: str) -> dict | None:
    for condition in conditions or []:
        if condition.get("type") == kind:
            return condition
    return None


class Cluster:
    """One release in one namespace. `api_client` is a configured `kubernetes.client.ApiClient`."""

    def __init__(self, api_client: client.ApiClient, namespace: str, release: str, fullname: str | None = None):
        self.api_client = api_client
        self.namespace = namespace
        self.release = release
        # The chart's fullname: "<release>-screening", or the release itself when it contains "screening".
        self.fullname = fullname or (release if "screening" in release else f"{release}-screening")
        self.apps = client.AppsV1Api(api_client)
        self.core = client.CoreV1Api(api_client)
        self.custom = client.CustomObjectsApi(api_client)

    def name(self, component: str) -> str:
        return f"{self.fullname}-{component}"

    @property
    def selector(self) -> str:
        return f"app.kubernetes.io/instance={self.release},app.kubernetes.io/part-of=screening"

    # --- workloads -------------------------------------------------------------------------------
    def workloads(self) -> list[WorkloadStatus]:
        result = []
        deployments = self.apps.list_namespaced_deployment(self.namespace, label_selector=self.selector)
        for item in sorted(deployments.items, key=lambda d: d.metadata.name):
            spec, status = item.spec, item.status
            desired = spec.replicas if spec.replicas is not None else 1
            message = ""
            for condition in status.conditions or []:
                if condition.type == "Progressing" and condition.reason == "ProgressDeadlineExceeded":
                    message = condition.message or "progress deadline exceeded"
                if condition.type == "ReplicaFailure" and condition.status == "True":
                    message = condition.message or "replica failure"
            result.append(WorkloadStatus(
                kind="Deployment",
                name=item.metadata.name,
                component=(item.metadata.labels or {}).get("app.kubernetes.io/component", ""),
                desired=desired,
                ready=status.ready_replicas or 0,
                updated=status.updated_replicas or 0,
                available=status.available_replicas or 0,
                generation_observed=(status.observed_generation or 0) >= (item.metadata.generation or 0),
                message=message,
            ))
        return result

    # --- RayService --------------------------------------------------------------------------------
    def rayservice(self) -> RayServiceStatus | None:
        try:
            obj = self.custom.get_namespaced_custom_object(
                "ray.io", "v1", self.namespace, "rayservices", self.name("workers"))
        except client.ApiException as exc:
            if exc.status == 404:
                return None
            raise
        status = obj.get("status") or {}
        conditions = status.get("conditions")
        ready_condition = _condition(conditions, "Ready")
        upgrading_condition = _condition(conditions, "UpgradeInProgress")
        legacy_state = status.get("serviceStatus", "")  # KubeRay < 1.3: "Running" when serving
        if ready_condition is not None:
            ready = ready_condition.get("status") == "True"
            state = ready_condition.get("reason", "") or ("Ready" if ready else "NotReady")
            message = "" if ready else ready_condition.get("message", "")
        else:
            ready = legacy_state == "Running"
            state = legacy_state or "Unknown"
            message = ""
        applications = {
            name: (app.get("status") or "UNKNOWN")
            for name, app in ((status.get("activeServiceStatus") or {}).get("applicationStatuses") or {}).items()
        }
        if ready and any(state != "RUNNING" for state in applications.values()):
            ready = False
            message = "Serve applications not RUNNING: " + ", ".join(f"{k}={v}" for k, v in applications.items())
        return RayServiceStatus(
            name=obj["metadata"]["name"],
            ready=ready,
            upgrading=bool(upgrading_condition and upgrading_condition.get("status") == "True"),
            state=state,
            applications=applications,
            message=message,
        )

    # --- Triton (through the API server's service proxy) ------------------------------------------
    def _triton_proxy(self, method: str, path: str, body: Any = None) -> Any:
        url = f"/api/v1/namespaces/{self.namespace}/services/{self.name('triton')}:http/proxy/{path.lstrip('/')}"
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        self.api_client.update_params_for_auth(headers, [], ["BearerToken"], url, method, body)
        config = self.api_client.configuration
        response = self.api_client.call_api(method, config.host + url, header_params=headers,
                                            body=body, _request_timeout=10)
        response.read()
        if response.status >= 400:
            raise client.ApiException(status=response.status, reason=response.reason)
        data = response.data
        return json.loads(data) if data else None

    def triton_models(self) -> list[ModelStatus]:
        """Triton's repository index (POST /v2/repository/index): every model with its state."""
        index = self._triton_proxy("POST", "v2/repository/index", body={}) or []
        return sorted(
            (ModelStatus(name=m.get("name", ""), version=str(m.get("version", "")), state=m.get("state", "UNKNOWN"),
                         reason=m.get("reason", "")) for m in index),
            key=lambda m: (m.name, m.version),
        )

    # --- Kafka -------------------------------------------------------------------------------------
    def kafka_bootstrap_servers(self) -> str | None:
        """What the release's decision Deployment connects to (SCREENING_KAFKA_BOOTSTRAP_SERVERS)."""
        try:
            deployment = self.apps.read_namespaced_deployment(self.name("decision"), self.namespace)
        except client.ApiException as exc:
            if exc.status == 404:
                return None
            raise
        for container in deployment.spec.template.spec.containers:
            for env in container.env or []:
                if env.name == "SCREENING_KAFKA_BOOTSTRAP_SERVERS":
                    return env.value
        return None


def consumer_lag(bootstrap_servers: str, groups: dict[str, str] | None = None,
                 admin_factory: Callable[[str], Any] | None = None,
                 consumer_factory: Callable[[str], Any] | None = None) -> list[ConsumerLag]:
    """Lag per consumer group = sum over the topic's partitions of (end offset - committed offset).

    The factories build kafka-python's KafkaAdminClient and KafkaConsumer (tests pass fakes)."""
    groups = groups or CONSUMER_GROUPS
    if admin_factory is None or consumer_factory is None:
        from kafka import KafkaAdminClient, KafkaConsumer

        admin_factory = admin_factory or (lambda servers: KafkaAdminClient(
            bootstrap_servers=servers, client_id="screening-ops", request_timeout_ms=10000))
        consumer_factory = consumer_factory or (lambda servers: KafkaConsumer(
            bootstrap_servers=servers, client_id="screening-ops", enable_auto_commit=False))
    from kafka.structs import TopicPartition

    results = []
    admin = admin_factory(bootstrap_servers)
    consumer = consumer_factory(bootstrap_servers)
    try:
        for group, topic in groups.items():
            try:
                partitions = consumer.partitions_for_topic(topic) or set()
                tps = [TopicPartition(topic, p) for p in sorted(partitions)]
                if not tps:
                    results.append(ConsumerLag(group, topic, None, 0, error=f"topic {topic} not found"))
                    continue
                ends = consumer.end_offsets(tps)
                committed = admin.list_consumer_group_offsets(group)
                lag = 0
                for tp in tps:
                    meta = committed.get(tp)
                    done = meta.offset if meta is not None and meta.offset >= 0 else 0
                    lag += max(ends.get(tp, 0) - done, 0)
                results.append(ConsumerLag(group, topic, lag, len(tps)))
            except Exception as exc:  # noqa: BLE001 - report per group, keep going
                results.append(ConsumerLag(group, topic, None, 0, error=f"{type(exc).__name__}: {exc}"))
    finally:
        for closable in (consumer, admin):
            close = getattr(closable, "close", None)
            if close is not None:
                close()
    return results
