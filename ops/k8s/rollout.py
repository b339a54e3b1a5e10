"""verify-rollout: wait until the release has rolled out, send canary requests, judge them against the SLO.

The canary call is a plain callable (`ScreenCall`), so the judgement is tested without gRPC; `grpc_screen`
builds the real one on `screening.v1.ScreeningService/Screen`.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Sequence

from ops.k8s.cluster import Cluster, RayServiceStatus, WorkloadStatus


@dataclasses.dataclass(frozen=True)
class Canary:
    """One canary request and the outcomes that count as correct (empty: any decision)."""

    name: str
    text: str
    images: tuple[bytes, ...] = ()
    expect: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class ScreenResult:
    outcome: str  # "ALLOW" | "REFUSE" | ...
    categories: tuple[str, ...] = ()
    timed_out: tuple[str, ...] = ()


# Calls Screen once: (canary, timeout in seconds) -> ScreenResult; raises on an RPC error.
ScreenCall = Callable[[Canary, float], ScreenResult]

DEFAULT_CANARIES = (
    Canary("benign-text", "What is the capital of France?", expect=("ALLOW",)),
    Canary("benign-code", "How do I kill a Python process that hangs?", expect=("ALLOW",)),
    Canary("plain-question", "Summarise the plot of Hamlet in two sentences.", expect=("ALLOW",)),
)


@dataclasses.dataclass(frozen=True)
class Slo:
    """What a healthy rollout must show over the canaries."""

    max_p99_ms: float = 1500.0
    min_success_ratio: float = 1.0      # successful RPCs with the expected outcome / canaries sent
    max_timed_out_ratio: float = 0.0    # answers in which a classifier timed out


@dataclasses.dataclass
class CanaryOutcome:
    canary: Canary
    latency_ms: float
    result: ScreenResult | None = None
    error: str = ""

    @property
    def ok(self) -> bool:
        if self.result is None:
            return False
        return not self.canary.expect or self.result.outcome in self.canary.expect


@dataclasses.dataclass
class CanaryReport:
    outcomes: list[CanaryOutcome]
    slo: Slo

    @property
    def sent(self) -> int:
        return len(self.outcomes)

    @property
    def success_ratio(self) -> float:
        return sum(o.ok for o in self.outcomes) / self.sent if self.sent else 0.0

    @property
    def timed_out_ratio(self) -> float:
        answered = [o for o in self.outcomes if o.result is not None]
        return sum(bool(o.result.timed_out) for o in answered) / len(answered) if answered else 0.0

    @property
    def p99_ms(self) -> float:
        latencies = sorted(o.latency_ms for o in self.outcomes)
        if not latencies:
            return 0.0
        return latencies[min(len(latencies) - 1, math.ceil(0.99 * len(latencies)) - 1)]

    def violations(self) -> list[str]:
        found = []
        if self.sent == 0:
            found.append("no canary was sent")
            return found
        if self.success_ratio < self.slo.min_success_ratio:
            failures = [f"{o.canary.name}: {o.error or (o.result and o.result.outcome)}" for o in self.outcomes
                        if not o.ok]
            found.append(f"success ratio {self.success_ratio:.3f} < {self.slo.min_success_ratio:.3f} "
                         f"({'; '.join(failures[:5])})")
        if self.p99_ms > self.slo.max_p99_ms:
            found.append(f"p99 latency {self.p99_ms:.0f} ms > {self.slo.max_p99_ms:.0f} ms")
        if self.timed_out_ratio > self.slo.max_timed_out_ratio:
            found.append(f"classifier time-outs in {self.timed_out_ratio:.1%} of answers "
                         f"(allowed {self.slo.max_timed_out_ratio:.1%})")
        return found


def run_canaries(screen: ScreenCall, canaries: Sequence[Canary], slo: Slo, rounds: int = 1,
                 timeout_s: float = 5.0, clock: Callable[[], float] = time.monotonic) -> CanaryReport:
    outcomes = []
    for _ in range(rounds):
        for canary in canaries:
            start = clock()
            try:
                result = screen(canary, timeout_s)
                outcomes.append(CanaryOutcome(canary, (clock() - start) * 1000.0, result=result))
            except Exception as exc:  # noqa: BLE001 - any failure of the call is a failed canary
                outcomes.append(CanaryOutcome(canary, (clock() - start) * 1000.0,
                                              error=f"{type(exc).__name__}: {exc}"))
    return CanaryReport(outcomes, slo)


def grpc_screen(target: str, tenant_id: str = "canary") -> ScreenCall:
    """The real canary call: screening.v1.ScreeningService/Screen over plaintext gRPC."""
    import grpc

    from screening.v1 import screening_pb2, screening_pb2_grpc, types_pb2

    channel = grpc.insecure_channel(target)
    stub = screening_pb2_grpc.ScreeningServiceStub(channel)

    def screen(canary: Canary, timeout_s: float) -> ScreenResult:
        request = screening_pb2.ScreenRequest(
            text=canary.text.encode("utf-8"), images=list(canary.images), tenant_id=tenant_id,
            slo_class=types_pb2.INTERACTIVE)
        response = stub.Screen(request, timeout=timeout_s)
        return ScreenResult(
            outcome=types_pb2.Outcome.Name(response.outcome),
            categories=tuple(response.categories),
            timed_out=tuple(response.evidence.timed_out),
        )

    return screen


@dataclasses.dataclass
class RolloutState:
    workloads: list[WorkloadStatus]
    rayservice: RayServiceStatus | None

    @property
    def pending(self) -> list[str]:
        waiting = [f"{w.kind}/{w.name}: {w.updated}/{w.desired} updated, {w.available}/{w.desired} available"
                   + (f" ({w.message})" if w.message else "")
                   for w in self.workloads if not w.rolled_out]
        if self.rayservice is not None and (not self.rayservice.ready or self.rayservice.upgrading):
            waiting.append(f"RayService/{self.rayservice.name}: {self.rayservice.state}"
                           + (" (upgrade in progress)" if self.rayservice.upgrading else "")
                           + (f" ({self.rayservice.message})" if self.rayservice.message else ""))
        return waiting


def wait_for_rollout(cluster: Cluster, timeout_s: float, interval_s: float = 5.0,
                     clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                     progress: Callable[[str], None] = lambda _: None) -> RolloutState:
    """Polls until every Deployment has rolled out and the RayService is ready, or the time is up."""
    deadline = clock() + timeout_s
    while True:
        state = RolloutState(cluster.workloads(), cluster.rayservice())
        if not state.pending and state.workloads:
            return state
        if clock() >= deadline:
            return state
        progress("waiting: " + "; ".join(state.pending or ["no workloads found yet"]))
        sleep(interval_s)
