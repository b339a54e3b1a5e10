from __future__ import annotations

from types import SimpleNamespace

from ops.k8s import cluster as cluster_module
from ops.k8s.cluster import Cluster


def test_workloads_of_a_healthy_release(recorded_api):
    api, fake = recorded_api("healthy")
    workloads = Cluster(api, "screening", "screening").workloads()
    assert [w.name for w in workloads] == [
        "screening-decision", "screening-ingest", "screening-otel-collector", "screening-triton"]
    assert all(w.ready_ok and w.rolled_out for w in workloads)
    call = fake.calls[0]
    assert call["path"] == "/apis/apps/v1/namespaces/screening/deployments"
    assert call["query"]["labelSelector"] == [
        "app.kubernetes.io/instance=screening,app.kubernetes.io/part-of=screening"]
    assert call["headers"]["authorization"] == "Bearer test-token"


def test_workloads_mid_rollout(recorded_api):
    api, _ = recorded_api("rolling")
    by_name = {w.name: w for w in Cluster(api, "screening", "screening").workloads()}
    ingest = by_name["screening-ingest"]
    assert ingest.ready_ok and not ingest.rolled_out  # still serving, one pod not yet updated
    triton = by_name["screening-triton"]
    assert not triton.ready_ok
    assert "timed out progressing" in triton.message


def test_rayservice_ready_with_running_application(recorded_api):
    api, fake = recorded_api("healthy")
    ray = Cluster(api, "screening", "screening").rayservice()
    assert ray.ready and not ray.upgrading
    assert ray.applications == {"screening": "RUNNING"}
    assert fake.calls[-1]["path"] == "/apis/ray.io/v1/namespaces/screening/rayservices/screening-workers"


def test_rayservice_upgrade_in_progress(recorded_api):
    api, _ = recorded_api("rolling")
    ray = Cluster(api, "screening", "screening").rayservice()
    assert ray.ready and ray.upgrading


def test_rayservice_absent_when_workers_are_a_deployment(recorded_api):
    api, _ = recorded_api("plain-workers")
    assert Cluster(api, "screening", "screening").rayservice() is None


def test_rayservice_status_of_older_kuberay(recorded_api):
    api, _ = recorded_api("legacy-kuberay")
    ray = Cluster(api, "screening", "screening").rayservice()
    assert not ray.ready
    assert ray.state == "WaitForServeDeploymentReady"


def test_triton_models_through_the_service_proxy(recorded_api):
    api, fake = recorded_api("rolling")
    models = Cluster(api, "screening", "screening").triton_models()
    assert [(m.name, m.ready) for m in models] == [("face_detector", True), ("nsfw_classifier", False)]
    assert "is missing" in models[1].reason
    call = fake.calls[-1]
    assert call["method"] == "POST"
    assert call["path"] == "/api/v1/namespaces/screening/services/screening-triton:http/proxy/v2/repository/index"
    assert call["headers"]["authorization"] == "Bearer test-token"


def test_names_follow_the_chart(recorded_api):
    api, _ = recorded_api("healthy")
    assert Cluster(api, "screening", "screening").name("ingest") == "screening-ingest"
    assert Cluster(api, "prod", "prod").name("ingest") == "prod-screening-ingest"
    assert Cluster(api, "prod", "prod", fullname="scr").name("triton") == "scr-triton"


def test_kafka_bootstrap_servers_from_the_decision_deployment(recorded_api):
    api, _ = recorded_api("healthy")
    assert Cluster(api, "screening", "screening").kafka_bootstrap_servers() == "kafka-bootstrap.kafka.svc:9092"


class FakeConsumer:
    def __init__(self, partitions: dict[str, int], ends: dict[tuple[str, int], int]):
        self.partitions, self.ends, self.closed = partitions, ends, False

    def partitions_for_topic(self, topic):
        count = self.partitions.get(topic)
        return set(range(count)) if count else None

    def end_offsets(self, tps):
        return {tp: self.ends.get((tp.topic, tp.partition), 0) for tp in tps}

    def close(self):
        self.closed = True


class FakeAdmin:
    def __init__(self, committed: dict[str, dict[tuple[str, int], int]]):
        self.committed = committed

    def list_consumer_group_offsets(self, group):
        from kafka.structs import TopicPartition

        return {TopicPartition(t, p): SimpleNamespace(offset=o) for (t, p), o in self.committed.get(group, {}).items()}

    def close(self):
        pass


def test_consumer_lag_per_group():
    consumer = FakeConsumer(
        {"screening.requests.v1": 3, "screening.verdicts.v1": 3},
        {("screening.requests.v1", 0): 100, ("screening.requests.v1", 1): 50, ("screening.requests.v1", 2): 10,
         ("screening.verdicts.v1", 0): 7, ("screening.verdicts.v1", 1): 7, ("screening.verdicts.v1", 2): 7})
    admin = FakeAdmin({
        "screening-workers": {("screening.requests.v1", 0): 90, ("screening.requests.v1", 1): 50},  # p2 never committed
        "screening-decision": {("screening.verdicts.v1", 0): 7, ("screening.verdicts.v1", 1): 7,
                               ("screening.verdicts.v1", 2): 7},
    })
    lags = cluster_module.consumer_lag("kafka:9092", admin_factory=lambda s: admin, consumer_factory=lambda s: consumer)
    assert {(lag.group, lag.lag, lag.partitions) for lag in lags} == {
        ("screening-workers", 20, 3), ("screening-decision", 0, 3)}
    assert consumer.closed


def test_consumer_lag_reports_a_missing_topic():
    lags = cluster_module.consumer_lag("kafka:9092", groups={"screening-decision": "screening.verdicts.v1"},
                                       admin_factory=lambda s: FakeAdmin({}),
                                       consumer_factory=lambda s: FakeConsumer({}, {}))
    assert lags[0].lag is None and "not found" in lags[0].error
