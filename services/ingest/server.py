"""The gRPC servicer and its app factory."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from opentelemetry import trace

from screening.v1 import events_pb2, screening_pb2, screening_pb2_grpc, types_pb2
from services.common import bus, telemetry, topics
from services.common.platform import PlatformSettings
from services.ingest import validation
from services.ingest.decisions import DecisionBook
from services.ingest.settings import IngestSettings

SERVICE_NAME = screening_pb2.DESCRIPTOR.services_by_name["ScreeningService"].full_name
_IDEMPOTENCY_NAMESPACE = uuid.UUID("6f1c2d3e-8a4b-4c5d-9e6f-7a8b9c0d1e2f")


def request_id_for(tenant_id: str, client_request_id: str) -> str:
    """The same (tenant, client request id) always maps to the same request id."""
    if client_request_id:
        return str(uuid.uuid5(_IDEMPOTENCY_NAMESPACE, f"{tenant_id}/{client_request_id}"))
    return str(uuid.uuid4())


def to_response(decision: events_pb2.Decision) -> screening_pb2.ScreenResponse:
    return screening_pb2.ScreenResponse(
        request_id=decision.request_id,
        outcome=decision.outcome,
        categories=list(decision.categories),
        evidence=decision.evidence,
        latency_ms=float(decision.decided_unix_ms - decision.accepted_unix_ms),
        client_request_id=decision.client_request_id,
    )


class ScreeningServicer(screening_pb2_grpc.ScreeningServiceServicer):
    def __init__(self, settings: IngestSettings, platform: PlatformSettings, producer: bus.EventProducer,
                 book: DecisionBook, tracer: trace.Tracer, log, clock=time.time, instruments=None):
        self._settings = settings
        self._platform = platform
        self._producer = producer
        self._book = book
        self._tracer = tracer
        self._log = log
        self._clock = clock
        self._instruments = instruments

    def _count(self, code: str) -> None:
        if self._instruments is not None:
            self._instruments.ingest_requests.add(1, {"code": code})

    def _deadline_ms(self, slo_class: int) -> int:
        if slo_class == types_pb2.BATCH:
            return self._settings.batch_deadline_ms
        return self._settings.interactive_deadline_ms

    async def _accept(self, request, context) -> tuple[str, bool, events_pb2.ScreeningRequested | None]:
        """Validates and publishes; returns (request id, duplicate?, event)."""
        try:
            valid = validation.validate(request, self._settings)
        except validation.ValidationError as exc:
            self._log.info("request_rejected", reason=str(exc), text_bytes=len(request.text),
                           images=len(request.images))
            self._count("INVALID_ARGUMENT")
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, str(exc))
        request_id = request_id_for(valid.tenant_id, valid.client_request_id)
        span = trace.get_current_span()
        span.set_attribute("screening.request_id", request_id)
        span.set_attribute("screening.tenant_id", valid.tenant_id)
        if self._book.get(request_id) is not None or self._book.pending(request_id):
            return request_id, True, None
        now_ms = int(self._clock() * 1000)
        event = events_pb2.ScreeningRequested(
            request_id=request_id,
            tenant_id=valid.tenant_id,
            client_request_id=valid.client_request_id,
            slo_class=valid.slo_class,
            text=valid.text,
            images=[events_pb2.ImageInput(data=img.data, sha256=img.info.sha256, format=img.info.format,
                                          width=img.info.width, height=img.info.height) for img in valid.images],
            accepted_unix_ms=now_ms,
            deadline_unix_ms=now_ms + self._deadline_ms(valid.slo_class),
            expected_classifiers=self._platform.expected_classifiers(len(valid.images)),
        )
        self._book.wait_for(request_id)  # registered before publishing: the decision cannot slip past
        with self._tracer.start_as_current_span("kafka.publish " + topics.REQUESTS,
                                                kind=trace.SpanKind.PRODUCER,
                                                attributes={"messaging.destination": topics.REQUESTS,
                                                            "screening.request_id": request_id}):
            try:
                await asyncio.wait_for(self._producer.publish_async(topics.REQUESTS, request_id, event),
                                       timeout=max(1.0, (context.time_remaining() or 30.0)))
            except Exception as exc:  # noqa: BLE001 - any failure to publish is UNAVAILABLE to the caller
                self._book.forget(request_id)
                self._log.error("publish_failed", request_id=request_id, error=repr(exc))
                self._count("UNAVAILABLE")
                await context.abort(grpc.StatusCode.UNAVAILABLE,
                                    "could not publish the request to Kafka; retry with the same client_request_id")
        self._log.info(
            "request_accepted", request_id=request_id, trace_id=telemetry.current_trace_id(),
            tenant_id=valid.tenant_id, text_bytes=len(request.text),
            text_sha256=hashlib.sha256(bytes(request.text)).hexdigest()[:16],
            images=[{"sha256": i.info.sha256[:16], "format": i.info.format, "bytes": i.info.size_bytes,
                     "width": i.info.width, "height": i.info.height} for i in valid.images],
            expected=list(event.expected_classifiers))
        self._count("OK")
        return request_id, False, event

    async def Screen(self, request, context):
        with self._tracer.start_as_current_span("ingest.Screen", kind=trace.SpanKind.SERVER,
                                                context=telemetry.context_from_grpc(context.invocation_metadata())):
            request_id, _duplicate, event = await self._accept(request, context)
            decided = self._book.get(request_id)
            if decided is not None:
                return to_response(decided)
            remaining = context.time_remaining()
            slo_ms = self._deadline_ms(event.slo_class if event else request.slo_class)
            wait_s = min(remaining if remaining is not None else 1e9, slo_ms / 1000 + 5.0)
            try:
                decision = await asyncio.wait_for(asyncio.shield(self._book.wait_for(request_id)), timeout=wait_s)
            except TimeoutError:
                await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED,
                                    f"no decision for request {request_id} yet; read it later with GetDecision")
            trace.get_current_span().set_attribute("screening.outcome",
                                                   types_pb2.Outcome.Name(decision.outcome))
            return to_response(decision)

    async def Submit(self, request, context):
        with self._tracer.start_as_current_span("ingest.Submit", kind=trace.SpanKind.SERVER,
                                                context=telemetry.context_from_grpc(context.invocation_metadata())):
            request_id, duplicate, _event = await self._accept(request, context)
            return screening_pb2.SubmitResponse(request_id=request_id, duplicate=duplicate)

    async def GetDecision(self, request, context):
        decided = self._book.get(request.request_id)
        if decided is None:
            state = "still being screened" if self._book.pending(request.request_id) else "unknown to this instance"
            await context.abort(grpc.StatusCode.NOT_FOUND, f"request {request.request_id!r} is {state}")
        return to_response(decided)

    async def StreamDecisions(self, request, context):
        entry = self._book.subscribe(request.tenant_id)
        try:
            while True:
                decision = await entry[1].get()
                yield to_response(decision)
        finally:
            self._book.unsubscribe(entry)


def build_server(settings: IngestSettings,
                 servicer: ScreeningServicer) -> tuple[grpc.aio.Server, health.HealthServicer]:
    """The gRPC server with the screening service, health and reflection; not started."""
    options = [
        ("grpc.max_receive_message_length", settings.max_grpc_message_bytes),
        ("grpc.max_send_message_length", settings.max_grpc_message_bytes),
    ]
    server = grpc.aio.server(options=options)
    screening_pb2_grpc.add_ScreeningServiceServicer_to_server(servicer, server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection((SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    server.add_insecure_port(f"{settings.host}:{settings.port}")
    return server, health_servicer


NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
SERVING = health_pb2.HealthCheckResponse.SERVING
