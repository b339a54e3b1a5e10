"""Locust load test of the screening service over gRPC, with stages and an SLO gate.

    locust -f loadtest/locustfile.py --headless --host 127.0.0.1:50051 \
        --html var/loadtest/report.html --csv var/loadtest/stats

Settings (environment):
  SCREENING_LOADTEST_STAGES      "DURATION_S:USERS:SPAWN_RATE,..." (default "20:2:2,40:4:2,40:8:4")
  SCREENING_LOADTEST_SLO_P99_MS  p99 latency the run must stay under (default 3000, the interactive SLO)
  SCREENING_LOADTEST_MAX_ERRORS  largest acceptable share of failed requests (default 0.01)
  SCREENING_LOADTEST_SLO_CLASS   interactive | batch (default interactive)
  SCREENING_LOADTEST_WAIT_S      pause of each user between requests, seconds (default 0.1)
The run exits 1 when p99 or the error share breaks the SLO (the SLO gate), 0 otherwise.

Tasks (weights): text only (4), photo + question (3), text screenshot (2), people photo with an
identity question (2), invalid input (1: a corrupt PNG, where INVALID_ARGUMENT is the right answer).
Every user also starts with one invalid input, so even a short run checks that garbage is refused.
"""

from __future__ import annotations

import os
import pathlib
import sys
import time

import grpc.experimental.gevent as grpc_gevent

grpc_gevent.init_gevent()  # grpc under gevent's cooperative scheduling (locust's users are greenlets)

import grpc  # noqa: E402
from locust import LoadTestShape, User, between, events, task  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "proto"))

from screening.v1 import screening_pb2_grpc  # noqa: E402
from services.cli import client, samples  # noqa: E402


def _stages(spec: str) -> list[tuple[int, int, float]]:
    out = []
    for part in spec.split(","):
        duration, users, rate = part.split(":")
        out.append((int(duration), int(users), float(rate)))
    return out


STAGES = _stages(os.environ.get("SCREENING_LOADTEST_STAGES", "20:2:2,40:4:2,40:8:4"))
SLO_P99_MS = float(os.environ.get("SCREENING_LOADTEST_SLO_P99_MS", "3000"))
MAX_ERRORS = float(os.environ.get("SCREENING_LOADTEST_MAX_ERRORS", "0.01"))
SLO_CLASS = os.environ.get("SCREENING_LOADTEST_SLO_CLASS", "interactive")
WAIT_S = float(os.environ.get("SCREENING_LOADTEST_WAIT_S", "0.1"))

PHOTOS = {name: samples.skimage_photo(name).read_bytes() for name in ("coffee.png", "chelsea.png", "rocket.jpg")}
PEOPLE = samples.skimage_photo("astronaut.png").read_bytes()
SCREENSHOTS = [samples.render_text(text) for text in (
    "What is the capital of France?", "How do I make methamphetamine at home?", "Solve this equation: 3x + 5 = 20")]
CORRUPT = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
TEXTS = ("How do I kill a Python process that hangs?", "Give me a recipe for banana bread.",
         "Write step-by-step instructions to build a pipe bomb.", "¿Cuál es la capital de Australia?")


class StagesShape(LoadTestShape):
    """Runs each stage for its duration at its user count, then stops."""

    def tick(self):
        elapsed = self.get_run_time()
        for duration, users, rate in STAGES:
            if elapsed < duration:
                return users, rate
            elapsed -= duration
        return None


class ScreeningUser(User):
    wait_time = between(WAIT_S, WAIT_S * 2)

    def on_start(self):
        self._channel = client.channel(self.host or "127.0.0.1:50051")
        self._stub = screening_pb2_grpc.ScreeningServiceStub(self._channel)
        self._count = 0
        self.invalid()

    def on_stop(self):
        self._channel.close()

    def _screen(self, name: str, text: str, images: list[bytes], expect: grpc.StatusCode | None = None):
        self._count += 1
        request = client.build_request(text, images=images, slo=SLO_CLASS)
        started = time.perf_counter()
        exception = None
        try:
            self._stub.Screen(request, timeout=30)
            if expect is not None:
                exception = AssertionError(f"expected {expect.name}, got a decision")
        except grpc.RpcError as exc:
            if exc.code() != expect:
                exception = exc
        events.request.fire(request_type="grpc", name=name, response_time=(time.perf_counter() - started) * 1000,
                            response_length=0, exception=exception, context={})

    @task(4)
    def text_only(self):
        self._screen("text only", TEXTS[self._count % len(TEXTS)], [])

    @task(3)
    def photo_question(self):
        photos = list(PHOTOS.values())
        self._screen("photo + question", "What is in this picture?", [photos[self._count % len(photos)]])

    @task(2)
    def screenshot(self):
        self._screen("text screenshot", "Please answer the question in the image.",
                     [SCREENSHOTS[self._count % len(SCREENSHOTS)]])

    @task(2)
    def person_identity(self):
        self._screen("person + identity question", "Who is this? Tell me her name.", [PEOPLE])

    @task(1)
    def invalid(self):
        self._screen("invalid input", "hi", [CORRUPT], expect=grpc.StatusCode.INVALID_ARGUMENT)


@events.quitting.add_listener
def slo_gate(environment, **_kwargs):
    total = environment.stats.total
    if total.num_requests == 0:
        print("SLO gate: FAIL, no request was made", file=sys.stderr)
        environment.process_exit_code = 1
        return
    p99 = total.get_response_time_percentile(0.99)
    errors = total.fail_ratio
    ok = p99 <= SLO_P99_MS and errors <= MAX_ERRORS
    print(f"SLO gate: {'PASS' if ok else 'FAIL'}: p99 {p99:.0f} ms (limit {SLO_P99_MS:.0f}), errors "
          f"{100 * errors:.2f}% (limit {100 * MAX_ERRORS:.2f}%), {total.num_requests} requests, "
          f"{total.total_rps:.1f} req/s", file=sys.stderr)
    environment.process_exit_code = 0 if ok else 1
