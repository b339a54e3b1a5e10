"""OpenTelemetry set-up and the explicit carriage of trace context across gRPC and Kafka.

Locally (`SCREENING_OTEL_EXPORTER=file`) every process appends its finished spans as JSON lines to
`<telemetry_dir>/spans-<service>-<pid>.jsonl`; `screening trace REQUEST_ID` reads them back. In the
cluster (`otlp`) they go to the collector at OTEL_EXPORTER_OTLP_ENDPOINT.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable, Sequence

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

_configured: set[str] = set()
_lock = threading.Lock()


class JsonLinesSpanExporter(SpanExporter):
    """Appends one JSON object per span to a file: what `screening trace` reads."""

    def __init__(self, path: str):
        self._path = path
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        lines = []
        for span in spans:
            ctx = span.get_span_context()
            parent = span.parent
            lines.append(json.dumps({
                "trace_id": format(ctx.trace_id, "032x"),
                "span_id": format(ctx.span_id, "016x"),
                "parent_id": format(parent.span_id, "016x") if parent else None,
                "name": span.name,
                "kind": span.kind.name,
                "service": span.resource.attributes.get("service.name"),
                "start_ns": span.start_time,
                "end_ns": span.end_time,
                "status": span.status.status_code.name,
                "attributes": {k: v if isinstance(v, (str, int, float, bool)) else str(v)
                               for k, v in (span.attributes or {}).items()},
            }))
        with self._lock, open(self._path, "a", encoding="utf-8") as out:
            out.write("\n".join(lines) + "\n")
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


def setup(service: str, exporter: str, directory: str = "") -> trace.Tracer:
    """Installs the process's tracer provider once; returns a tracer for `service`."""
    with _lock:
        if service not in _configured and not _configured:
            provider = TracerProvider(resource=Resource.create({"service.name": service}))
            if exporter == "file":
                os.makedirs(directory, exist_ok=True)
                path = os.path.join(directory, f"spans-{service}-{os.getpid()}.jsonl")
                provider.add_span_processor(BatchSpanProcessor(JsonLinesSpanExporter(path),
                                                               schedule_delay_millis=500))
            elif exporter == "otlp":
                from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

                provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
            trace.set_tracer_provider(provider)
        _configured.add(service)
    return trace.get_tracer(service)


def shutdown() -> None:
    provider = trace.get_tracer_provider()
    if hasattr(provider, "shutdown"):
        provider.shutdown()


def kafka_headers(extra: dict[str, str]) -> list[tuple[str, bytes]]:
    """Headers for a Kafka record: the current W3C trace context plus `extra`."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return [(k, v.encode()) for k, v in {**carrier, **extra}.items()]


def context_from_kafka(headers: Iterable[tuple[str, bytes]] | None) -> otel_context.Context:
    carrier = {k: v.decode("latin-1") for k, v in (headers or []) if isinstance(v, bytes)}
    return propagate.extract(carrier)


def context_from_grpc(metadata: Iterable[tuple[str, str | bytes]] | None) -> otel_context.Context:
    carrier = {k: v for k, v in (metadata or []) if isinstance(v, str)}
    return propagate.extract(carrier)


def grpc_metadata() -> list[tuple[str, str]]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return list(carrier.items())


def current_trace_id() -> str:
    ctx = trace.get_current_span().get_span_context()
    return format(ctx.trace_id, "032x") if ctx.is_valid else ""


def carrier() -> dict[str, str]:
    """The current context as a plain dict, to hand across a process boundary (Ray calls)."""
    out: dict[str, str] = {}
    propagate.inject(out)
    return out


def context_from_carrier(values: dict[str, str] | None) -> otel_context.Context:
    return propagate.extract(values or {})
