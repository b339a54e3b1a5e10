"""OpenTelemetry metrics: the typed list of instrument names and one place that creates them.

Locally (`SCREENING_OTEL_EXPORTER=file`) each process appends a snapshot every 10 s as one JSON line to
`<telemetry_dir>/metrics-<service>-<pid>.jsonl`; in the cluster (`otlp`) they go to the collector.
Latencies are histograms in milliseconds.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading

from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    MetricExporter,
    MetricExportResult,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import Resource


class Names:
    """Every metric the services emit (dashboards and alerts in ops/k8s use these names)."""

    INGEST_REQUESTS = "screening.ingest.requests"  # counter {code}
    E2E_LATENCY = "screening.e2e.latency"  # histogram ms {slo_class, outcome}
    STAGE_LATENCY = "screening.stage.latency"  # histogram ms {stage}
    VERDICT_TIMEOUTS = "screening.verdict.timeouts"  # counter {classifier}
    JOIN_EVENTS = "screening.join.events"  # counter {kind: late|duplicate|orphan|repeated_request}
    CONSUMER_LAG = "screening.consumer.lag"  # gauge {group, topic}
    DEAD_LETTERS = "screening.deadletters"  # counter {service}
    EXPIRED = "screening.workers.expired"  # counter: requests past their deadline when reached, not screened


@dataclasses.dataclass
class Instruments:
    ingest_requests: metrics.Counter
    e2e_latency: metrics.Histogram
    stage_latency: metrics.Histogram
    verdict_timeouts: metrics.Counter
    join_events: metrics.Counter
    dead_letters: metrics.Counter
    expired: metrics.Counter
    _lag: dict = dataclasses.field(default_factory=dict)

    def set_lag(self, group: str, topic: str, value: int) -> None:
        self._lag[(group, topic)] = value


class JsonLinesMetricExporter(MetricExporter):
    def __init__(self, path: str):
        super().__init__()
        self._path = path
        self._lock = threading.Lock()

    def export(self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs) -> MetricExportResult:
        with self._lock, open(self._path, "a", encoding="utf-8") as out:
            out.write(json.dumps(json.loads(metrics_data.to_json()), separators=(",", ":")) + "\n")
        return MetricExportResult.SUCCESS

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return True

    def shutdown(self, timeout_millis: float = 30_000, **kwargs) -> None:
        return None


_instruments: Instruments | None = None
_lock = threading.Lock()


def setup(service: str, exporter: str, directory: str = "") -> Instruments:
    """The process's instruments (created once; later calls return the same ones)."""
    global _instruments
    with _lock:
        if _instruments is not None:
            return _instruments
        readers = []
        if exporter == "file":
            os.makedirs(directory, exist_ok=True)
            path = os.path.join(directory, f"metrics-{service}-{os.getpid()}.jsonl")
            readers.append(PeriodicExportingMetricReader(JsonLinesMetricExporter(path), export_interval_millis=10_000))
        elif exporter == "otlp":
            from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

            readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
        provider = MeterProvider(resource=Resource.create({"service.name": service}), metric_readers=readers)
        metrics.set_meter_provider(provider)
        meter = provider.get_meter("screening")
        instruments = Instruments(
            ingest_requests=meter.create_counter(Names.INGEST_REQUESTS, description="requests by gRPC status"),
            e2e_latency=meter.create_histogram(Names.E2E_LATENCY, unit="ms",
                                               description="ingest acceptance to decision published"),
            stage_latency=meter.create_histogram(Names.STAGE_LATENCY, unit="ms", description="time per stage"),
            verdict_timeouts=meter.create_counter(Names.VERDICT_TIMEOUTS, description="verdicts missing at deadline"),
            join_events=meter.create_counter(Names.JOIN_EVENTS, description="late/duplicate/orphan verdicts"),
            dead_letters=meter.create_counter(Names.DEAD_LETTERS, description="messages sent to the dead letters"),
            expired=meter.create_counter(Names.EXPIRED, description="requests past their deadline when the "
                                         "workers reached them (decided at the deadline; not screened)"),
        )

        def observe_lag(_options):
            return [metrics.Observation(value, {"group": group, "topic": topic})
                    for (group, topic), value in list(instruments._lag.items())]

        meter.create_observable_gauge(Names.CONSUMER_LAG, callbacks=[observe_lag],
                                      description="records behind the end of the topic, per consumer group")
        _instruments = instruments
        return instruments
