"""Faults on the real stack: parts killed with SIGKILL (the decision service, the Ray Serve consumer, the
Kafka broker, Triton, the whole Ray node of the workers) come back by themselves (the stack runs each
under a supervisor, as Kubernetes restarts a pod) and lose no accepted request, and a stopped classifier
still yields a decision at the deadline (fail closed with classifier_timeout).
Runs last (file order): it kills parts of the shared test stack."""

from __future__ import annotations

import collections
import os
import pathlib
import signal
import threading
import time

import grpc
import pytest
from kafka import KafkaConsumer

from screening.v1 import screening_pb2, screening_pb2_grpc, types_pb2
from services.cli import client, samples
from services.cli.stack import StackError
from services.common import topics

from .conftest import screen


def _pids_matching(*needles: str) -> list[int]:
    """Processes whose command line holds every needle."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if all(n in cmdline for n in needles):
            found.append(int(entry.name))
    return found


def _kill(stack, name: str) -> int:
    """SIGKILLs the part itself (not its supervisor, which then starts it again)."""
    pid = stack.service_pid(name)
    assert pid, f"no running {name} process under its supervisor"
    os.kill(pid, signal.SIGKILL)
    return pid


def _back(stack, name: str, killed: int, timeout_s: float = 180) -> None:
    """Waits until the supervisor has started the part again and it is healthy."""
    deadline = time.monotonic() + timeout_s
    while not (stack.service_pid(name) not in (None, killed) and stack.healthy(name)):
        assert time.monotonic() < deadline, f"{name} was not restarted within {timeout_s:.0f}s"
        time.sleep(0.5)


def _decisions(bootstrap: str) -> collections.Counter:
    consumer = KafkaConsumer(topics.DECISIONS, bootstrap_servers=bootstrap, group_id=None,
                             auto_offset_reset="earliest", consumer_timeout_ms=3000)
    counts = collections.Counter()
    for record in consumer:
        counts[record.key.decode()] += 1
    consumer.close()
    return counts


def test_a_stopped_classifier_yields_classifier_timeout_at_the_deadline(stack, stub):
    calm = screen(stub, "What is in this picture?", [samples.skimage_photo("coffee.png").read_bytes()])
    assert not calm.evidence.timed_out  # the stack is idle and healthy before the fault
    stubs = _pids_matching("ServeReplica", "FaceClassifier")  # the face classifier's Ray Serve replica
    assert stubs, "no FaceClassifier replica process"
    for pid in stubs:
        os.kill(pid, signal.SIGSTOP)
    try:
        deadline_ms = 3000  # the interactive SLO class (SCREENING_INGEST_INTERACTIVE_DEADLINE_MS default)
        response = screen(stub, "What is in this picture?", [samples.skimage_photo("coffee.png").read_bytes()],
                          slo="interactive")
    finally:
        for pid in stubs:
            os.kill(pid, signal.SIGCONT)
    assert response.outcome == types_pb2.REFUSE
    assert "classifier_timeout" in response.categories
    assert "face" in response.evidence.timed_out
    assert response.latency_ms <= deadline_ms + 50, response.latency_ms
    assert response.latency_ms >= deadline_ms - 5


def test_stack_is_not_called_up_until_a_request_gets_through(stack):
    """`stack up` ends with one request screened end to end; with the refusal replica frozen that check
    fails with a message instead of calling the stack up."""
    replicas = _pids_matching("ServeReplica", "RefusalClassifier")
    assert replicas, "no RefusalClassifier replica process"
    for pid in replicas:
        os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(StackError, match="the stack started but a request was not screened within 3s"):
            stack.check_end_to_end(timeout_s=3)
    finally:
        for pid in replicas:
            os.kill(pid, signal.SIGCONT)
    stack.check_end_to_end()


def test_no_accepted_request_is_lost_when_parts_are_killed(stack, stub, kafka_bootstrap):
    accepted: list[str] = []
    refused_at_the_door = 0
    stop = threading.Event()
    image = samples.render_text("fault test")

    def send() -> None:
        nonlocal refused_at_the_door
        number = 0
        while not stop.is_set():
            number += 1
            images = [image] if number % 3 == 0 else []
            request = client.build_request(f"fault test request {number}", images=images,
                                           client_request_id=f"fault-{os.getpid()}-{number}", slo="batch")
            try:
                accepted.append(stub.Submit(request, timeout=15).request_id)
            except grpc.RpcError:
                refused_at_the_door += 1  # not accepted (e.g. Kafka down): the caller knows, nothing to lose
            time.sleep(0.05)

    sender = threading.Thread(target=send, daemon=True)
    sender.start()
    try:
        time.sleep(4)
        # 1. the decision service
        _back(stack, "decision", _kill(stack, "decision"))
        time.sleep(3)
        # 2. a Ray Serve worker replica (the Kafka consumer deployment)
        replicas = _pids_matching("ServeReplica", "RequestConsumer")
        assert replicas, "no RequestConsumer replica process found"
        os.kill(replicas[0], signal.SIGKILL)
        time.sleep(6)
        # 3. the Kafka broker
        _back(stack, "kafka", _kill(stack, "kafka"))
        time.sleep(6)
        # 4. Triton (the tritonserver process, not its supervisor, which starts it again): every request
        # needs the refusal model, and the workers retry a failed call until the request's deadline
        _back(stack, "triton", _kill(stack, "triton"))
        time.sleep(3)
        # 5. the workers' Ray node (the driver that started it: Ray's processes and every replica go with
        # it); requests accepted meanwhile wait in Kafka, or are refused at their deadline, once
        _back(stack, "workers", _kill(stack, "workers"))
        time.sleep(3)
    finally:
        stop.set()
        sender.join(timeout=30)
    assert len(accepted) > 50, f"only {len(accepted)} requests were accepted"
    deadline = time.time() + 180
    while True:
        counts = _decisions(kafka_bootstrap)
        missing = [rid for rid in accepted if counts[rid] == 0]
        if not missing or time.time() > deadline:
            break
        time.sleep(3)
    assert not missing, f"{len(missing)} of {len(accepted)} accepted requests never got a decision"
    twice = {rid: counts[rid] for rid in accepted if counts[rid] != 1}
    assert not twice, f"requests with more than one decision: {twice}"
    print(f"accepted {len(accepted)}, refused at the door {refused_at_the_door}, each decided exactly once")


def test_stack_recovers_after_the_faults(stub):
    """After the faults the replayed backlog drains and requests are screened normally again."""
    deadline = time.time() + 120
    while True:
        response = screen(stub, "Is everything back?", [samples.skimage_photo("chelsea.png").read_bytes()])
        if not response.evidence.timed_out or time.time() > deadline:
            break
        time.sleep(5)
    assert response.outcome == types_pb2.ALLOW and not response.evidence.timed_out, response.evidence.reasons


def test_a_request_decided_while_ingest_was_down_is_answered_after_its_restart(stack, stub, kafka_bootstrap):
    """Ingest reads recent decisions back on start: a request accepted, then decided while ingest was down,
    is answered by GetDecision and by a retry with the same client_request_id, which is not published again
    (the decision service never decides a request twice, so a republished one would wait for nothing)."""
    key = f"ingest-restart-{os.getpid()}-{time.time_ns()}"
    text = "What is the capital of France?"
    submitted = stub.Submit(client.build_request(text, client_request_id=key, slo="batch"), timeout=15)
    supervisor = stack._pid("ingest")
    os.kill(supervisor, signal.SIGSTOP)  # holds off the restart until the request is decided
    try:
        killed = _kill(stack, "ingest")
        deadline = time.time() + 120  # decided while ingest is down (after the faults above: maybe a backlog)
        while not _decisions(kafka_bootstrap)[submitted.request_id]:
            assert time.time() < deadline, "the request was not decided within 120 s"
            time.sleep(1)
    finally:
        os.kill(supervisor, signal.SIGCONT)
    _back(stack, "ingest", killed)
    with client.channel(f"127.0.0.1:{stack.config.ingest_port}") as channel:
        fresh = screening_pb2_grpc.ScreeningServiceStub(channel)
        decided = fresh.GetDecision(screening_pb2.GetDecisionRequest(request_id=submitted.request_id), timeout=5)
        assert decided.request_id == submitted.request_id and decided.outcome == types_pb2.ALLOW
        again = fresh.Submit(client.build_request(text, client_request_id=key, slo="batch"), timeout=15)
        assert again.duplicate and again.request_id == submitted.request_id
        assert screen(fresh, text, client_request_id=key).outcome == decided.outcome
