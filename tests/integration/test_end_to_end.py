"""End to end on the real stack: gRPC ingest -> Kafka -> Ray Serve -> Triton -> Kafka -> decision."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from kafka import KafkaConsumer, TopicPartition

from screening.v1 import events_pb2, screening_pb2, types_pb2
from services.cli import client, samples
from services.cli.traces import load_spans, spans_of
from services.common import topics

from .conftest import rpc_error, screen

ASTRONAUT_FACE = (174, 70, 279, 175)  # x1, y1, x2, y2 of the face in scikit-image's astronaut


def photo(name: str) -> bytes:
    return samples.skimage_photo(name).read_bytes()


def evidence_of(response, name):
    for item in response.evidence.classifiers:
        if item.classifier == name:
            return item
    raise AssertionError(f"no {name} evidence in {response.evidence}")


def test_health_and_reflection(target):
    with grpc.insecure_channel(target) as channel:
        reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        stream = reflection_pb2_grpc.ServerReflectionStub(channel).ServerReflectionInfo(
            iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
        names = {s.name for s in next(stream).list_services_response.service}
        assert "screening.v1.ScreeningService" in names and "grpc.health.v1.Health" in names


def test_face_found_in_a_real_portrait(stub):
    response = screen(stub, "describe this", [photo("astronaut.png")])
    assert response.outcome in (types_pb2.ALLOW, types_pb2.REFUSE)
    face = evidence_of(response, "face")
    assert face.scores["face"] > 0.8 and len(face.boxes) == 1
    box = face.boxes[0]
    x1, y1, x2, y2 = ASTRONAUT_FACE
    assert abs(box.x1 - x1) < 25 and abs(box.y1 - y1) < 25 and abs(box.x2 - x2) < 25 and abs(box.y2 - y2) < 25
    assert box.image_sha256 == __import__("hashlib").sha256(photo("astronaut.png")).hexdigest()
    assert response.evidence.policy_version


def test_small_face_in_a_large_photo_is_found_and_gates_identification(stub):
    """A person far from the camera: the astronaut scaled so her face is about 50 px wide, in a
    1280x960 photo of coffee (at the detector's 192 px input that face is 7 px: found in a tile)."""
    from PIL import Image

    scene = Image.open(samples.skimage_photo("coffee.png")).convert("RGB").resize((1280, 960))
    scale = 50 / (ASTRONAUT_FACE[2] - ASTRONAUT_FACE[0])
    person = Image.open(samples.skimage_photo("astronaut.png")).convert("RGB")
    person = person.resize((round(512 * scale), round(512 * scale)))
    scene.paste(person, (900, 300))
    buffer = io.BytesIO()
    scene.save(buffer, "JPEG", quality=90)
    response = screen(stub, "who is this woman? tell me her name", [buffer.getvalue()])
    face = evidence_of(response, "face")
    assert len(face.boxes) == 1 and face.scores["face"] >= 0.5
    box = face.boxes[0]
    expected_x = 900 + (ASTRONAUT_FACE[0] + ASTRONAUT_FACE[2]) / 2 * scale
    assert abs((box.x1 + box.x2) / 2 - expected_x) < 15 and 300 < box.y1 < 300 + 512 * scale
    assert response.outcome == types_pb2.REFUSE and "person_identification" in response.categories
    # a request not about a person skips the tiles: no face could change its decision
    other = screen(stub, "what kind of coffee is this?", [buffer.getvalue()])
    face = evidence_of(other, "face")
    assert face.scores["second_look_skipped"] == 1.0 and not face.boxes
    assert other.outcome == types_pb2.ALLOW


def test_face_filling_the_photo_is_found_and_gates_identification(stub):
    """A close-up (selfie, ID photo): the astronaut's face, cut 5 px inside its box, is the whole 400 px
    photo. The detector's whole view misses a face that large; its zoomed-out second look finds it."""
    from PIL import Image

    x1, y1, x2, y2 = ASTRONAUT_FACE
    close_up = Image.open(samples.skimage_photo("astronaut.png")).convert("RGB").crop((x1 + 5, y1 + 5, x2 - 5, y2 - 5))
    buffer = io.BytesIO()
    close_up.resize((400, 400)).save(buffer, "JPEG", quality=90)
    response = screen(stub, "who is this? tell me her name", [buffer.getvalue()])
    face = evidence_of(response, "face")
    assert len(face.boxes) == 1 and face.scores["face"] >= 0.6
    box = face.boxes[0]
    assert box.x2 - box.x1 > 250 and abs((box.x1 + box.x2) / 2 - 200) < 40
    assert response.outcome == types_pb2.REFUSE and "person_identification" in response.categories


def test_no_face_and_low_explicit_scores_on_photos_without_people(stub):
    for name in ("coffee.png", "chelsea.png", "rocket.jpg"):
        response = screen(stub, "what is this?", [photo(name)])
        assert evidence_of(response, "face").scores["face"] < 0.5, name
        assert len(evidence_of(response, "face").boxes) == 0, name
        assert evidence_of(response, "nsfw").scores["explicit"] < 0.2, name
        assert "sexual_content" not in response.categories, name


def test_corrupt_png_is_invalid_and_nothing_is_published(stub, kafka_bootstrap):
    consumer = KafkaConsumer(bootstrap_servers=kafka_bootstrap, enable_auto_commit=False, group_id=None)
    partitions = [TopicPartition(topics.REQUESTS, p) for p in consumer.partitions_for_topic(topics.REQUESTS)]
    consumer.assign(partitions)
    consumer.seek_to_end(*partitions)
    for tp in partitions:
        consumer.position(tp)
    corrupt = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
    error = rpc_error(screen, stub, "hi", [corrupt])
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "corrupt or truncated" in error.details()
    for bad in ([b"GIF89a" + b"\x00" * 10], [photo("coffee.png")[:500]]):
        assert rpc_error(screen, stub, "hi", bad).code() == grpc.StatusCode.INVALID_ARGUMENT
    assert rpc_error(stub.Screen, screening_pb2.ScreenRequest(text=b"\xff\xfe"), timeout=10).code() == \
        grpc.StatusCode.INVALID_ARGUMENT
    marker = screen(stub, "marker request after the invalid ones")
    seen = []
    deadline = time.time() + 10
    while time.time() < deadline and marker.request_id not in seen:
        for records in consumer.poll(timeout_ms=200).values():
            for record in records:
                event = events_pb2.ScreeningRequested()
                event.ParseFromString(record.value)
                seen.append(event.request_id)
    consumer.close()
    assert seen == [marker.request_id], f"something besides the valid request was published: {seen}"


def test_idempotent_by_client_request_id(stub):
    first = screen(stub, "a question", client_request_id="idem-1")
    second = screen(stub, "a question", client_request_id="idem-1")
    assert first.request_id == second.request_id
    assert first.outcome == second.outcome and list(first.categories) == list(second.categories)


def test_image_order_does_not_change_the_decision(stub):
    a, b = photo("astronaut.png"), photo("coffee.png")
    one = screen(stub, "compare these pictures", [a, b])
    two = screen(stub, "compare these pictures", [b, a])
    assert one.outcome == two.outcome and list(one.categories) == list(two.categories)
    assert evidence_of(one, "face").boxes == evidence_of(two, "face").boxes


def test_submit_then_get_decision(stub):
    submitted = stub.Submit(client.build_request("submitted without waiting"), timeout=10)
    assert submitted.request_id
    deadline = time.time() + 30
    while True:
        try:
            decided = stub.GetDecision(screening_pb2.GetDecisionRequest(request_id=submitted.request_id), timeout=5)
            break
        except grpc.RpcError as exc:
            assert exc.code() == grpc.StatusCode.NOT_FOUND
            assert time.time() < deadline, "no decision within 30 s"
            time.sleep(0.2)
    assert decided.request_id == submitted.request_id
    error = rpc_error(stub.GetDecision, screening_pb2.GetDecisionRequest(request_id="no-such-id"), timeout=5)
    assert error.code() == grpc.StatusCode.NOT_FOUND


def test_decision_is_on_the_decisions_topic(stub, kafka_bootstrap):
    response = screen(stub, "is this on kafka?")
    consumer = KafkaConsumer(topics.DECISIONS, bootstrap_servers=kafka_bootstrap, group_id=None,
                             auto_offset_reset="earliest", consumer_timeout_ms=5000)
    found = []
    for record in consumer:
        decision = events_pb2.Decision()
        decision.ParseFromString(record.value)
        if decision.request_id == response.request_id:
            found.append(decision)
    consumer.close()
    assert len(found) == 1 and found[0].outcome == response.outcome


def test_ingest_worker_and_decision_spans_share_one_trace(stub, stack):
    response = screen(stub, "trace me", [photo("chelsea.png")])
    # every process (ingest, the consumer replica, each classifier replica, decision) flushes its own
    # spans on its own schedule: wait until all of them are in
    expected = {"ingest.Screen", "classifier.face", "triton.infer face_detector", "decision.decide"}
    deadline = time.time() + 15
    while True:
        spans = spans_of(load_spans(stack.config.run_dir / "telemetry"), response.request_id)
        services = {s["service"] for s in spans}
        names = {s["name"] for s in spans}
        if ({"ingest", "workers", "decision"} <= services and expected <= names) or time.time() > deadline:
            break
        time.sleep(0.5)
    assert {"ingest", "workers", "decision"} <= services, services
    assert len({s["trace_id"] for s in spans}) == 1
    assert expected <= names


def test_latency_command_splits_end_to_end_time_into_stages(stub, stack):
    screen(stub, "how long does this take?", [photo("coffee.png")])
    deadline = time.time() + 15
    while True:  # every process flushes its spans within a second or so; a trace counts once complete
        out = subprocess.run([sys.executable, "-m", "services.cli.main", "latency", "--last", "5", "--json",
                              "--run-dir", str(stack.config.run_dir)], capture_output=True, text=True, timeout=60)
        if out.returncode == 0 or time.time() > deadline:
            break
        time.sleep(1)
    assert out.returncode == 0, out.stderr
    stages = json.loads(out.stdout)
    assert stages["end to end"]["count"] >= 1
    assert stages["classifiers (parallel, incl. Triton)"]["p50_ms"] > 0
    # the stages are consecutive slices of the root span, so their medians cannot exceed the end to end
    # by more than rounding; a stage measured from the wrong span edge would
    parts = sum(v["p50_ms"] for k, v in stages.items() if k != "end to end")
    assert parts <= stages["end to end"]["p50_ms"] * 1.5


def test_cli_screen_json_and_invalid_argument(target, sample_dir, tmp_path):
    cli = [sys.executable, "-m", "services.cli.main"]
    out = subprocess.run(cli + ["screen", "--text", "describe this", "--image", str(sample_dir / "astronaut.png"),
                                "--json", "--target", target], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["decision"] in ("ALLOW", "REFUSE")
    assert data["evidence"]["classifiers"]["face"]["boxes"]
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x13" * 300)
    out = subprocess.run(cli + ["screen", "--text", "hi", "--image", str(bad), "--json", "--target", target],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "INVALID_ARGUMENT" in out.stdout


def test_metrics_are_exported_with_their_names(stub, stack):
    screen(stub, "metrics please")
    deadline = time.time() + 25
    found = set()
    while time.time() < deadline and not {"screening.e2e.latency", "screening.ingest.requests"} <= found:
        for path in (stack.config.run_dir / "telemetry").glob("metrics-*.jsonl"):
            text = path.read_text()
            found |= {name for name in ("screening.e2e.latency", "screening.ingest.requests",
                                        "screening.stage.latency", "screening.consumer.lag") if name in text}
        time.sleep(1)
    assert {"screening.e2e.latency", "screening.ingest.requests"} <= found, found
