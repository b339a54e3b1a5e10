from __future__ import annotations

import itertools

import pytest

from ops.k8s import rollout
from ops.k8s.rollout import Canary, ScreenResult, Slo


def fake_clock(step_ms: float):
    ticks = itertools.count()
    return lambda: next(ticks) * step_ms / 1000.0  # two clock reads per call, step_ms apart


def allow(canary, timeout_s):
    return ScreenResult("ALLOW")


def test_canaries_within_the_slo():
    report = rollout.run_canaries(allow, rollout.DEFAULT_CANARIES, Slo(max_p99_ms=500), rounds=2,
                                  clock=fake_clock(100))
    assert report.sent == 6
    assert report.success_ratio == 1.0
    assert report.p99_ms == pytest.approx(100)
    assert report.violations() == []


def test_slow_canaries_break_the_latency_slo():
    report = rollout.run_canaries(allow, rollout.DEFAULT_CANARIES, Slo(max_p99_ms=500), clock=fake_clock(900))
    assert any("p99 latency 900 ms > 500 ms" in v for v in report.violations())


def test_rpc_errors_break_the_success_slo():
    def failing(canary, timeout_s):
        if canary.name == "benign-code":
            raise RuntimeError("StatusCode.UNAVAILABLE")
        return ScreenResult("ALLOW")

    report = rollout.run_canaries(failing, rollout.DEFAULT_CANARIES, Slo(), clock=fake_clock(10))
    (violation,) = report.violations()
    assert "success ratio 0.667" in violation and "UNAVAILABLE" in violation


def test_wrong_decision_is_a_failed_canary():
    refuse = lambda canary, timeout_s: ScreenResult("REFUSE", categories=("illicit_behavior",))  # noqa: E731
    report = rollout.run_canaries(refuse, [Canary("benign", "hello", expect=("ALLOW",))], Slo(), clock=fake_clock(1))
    assert report.success_ratio == 0.0
    assert "benign: REFUSE" in report.violations()[0]


def test_classifier_timeouts_break_the_slo():
    late = lambda canary, timeout_s: ScreenResult("REFUSE", timed_out=("nsfw",))  # noqa: E731
    report = rollout.run_canaries(late, [Canary("any", "hello")], Slo(max_timed_out_ratio=0.0), clock=fake_clock(1))
    assert any("classifier time-outs in 100.0%" in v for v in report.violations())


def test_no_canary_is_a_violation():
    assert rollout.CanaryReport([], Slo()).violations() == ["no canary was sent"]


def test_grpc_screen_calls_the_real_service_method():
    grpc = pytest.importorskip("grpc")
    from concurrent import futures

    from screening.v1 import screening_pb2, screening_pb2_grpc, types_pb2

    seen = []

    class Servicer(screening_pb2_grpc.ScreeningServiceServicer):
        def Screen(self, request, context):  # noqa: N802 - the gRPC method name
            seen.append(request)
            response = screening_pb2.ScreenResponse(request_id="r-1", outcome=types_pb2.ALLOW)
            response.evidence.timed_out.append("ocr")
            return response

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    screening_pb2_grpc.add_ScreeningServiceServicer_to_server(Servicer(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        result = rollout.grpc_screen(f"127.0.0.1:{port}")(Canary("c", "What is 2+2?"), 5.0)
    finally:
        server.stop(None)
    assert result == ScreenResult("ALLOW", (), ("ocr",))
    assert seen[0].text == b"What is 2+2?" and seen[0].tenant_id == "canary"
