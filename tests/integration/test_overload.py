"""A request already past its deadline when the workers reach it (a backlog under overload, a replay
after a crash) is not screened: the decision service refuses it at its deadline (fail closed), and the
CPU goes to requests that can still be answered in time."""

from __future__ import annotations

import time
import uuid

from kafka import KafkaConsumer, KafkaProducer

from screening.v1 import events_pb2, types_pb2
from services.common import topics

from .conftest import screen


def _tail(bootstrap: str, topic: str) -> KafkaConsumer:
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="latest",
                             consumer_timeout_ms=1000)
    consumer.poll(timeout_ms=1000)  # joins at the end of the topic
    return consumer


def test_a_request_past_its_deadline_is_refused_without_being_screened(stub, kafka_bootstrap):
    decisions, verdicts = _tail(kafka_bootstrap, topics.DECISIONS), _tail(kafka_bootstrap, topics.VERDICTS)
    now = int(time.time() * 1000)
    request_id = f"expired-{uuid.uuid4()}"
    event = events_pb2.ScreeningRequested(request_id=request_id, tenant_id="default", slo_class=types_pb2.INTERACTIVE,
                                          text="What is the capital of France?", accepted_unix_ms=now - 8000,
                                          deadline_unix_ms=now - 5000, expected_classifiers=["refusal"])
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    producer.send(topics.REQUESTS, key=request_id.encode(), value=event.SerializeToString()).get(timeout=10)
    producer.close()

    decision = None
    deadline = time.time() + 30
    while decision is None and time.time() < deadline:
        for records in decisions.poll(timeout_ms=500).values():
            for record in records:
                if record.key == request_id.encode():
                    decision = events_pb2.Decision()
                    decision.ParseFromString(record.value)
    assert decision is not None, "the expired request was not decided"
    assert decision.outcome == types_pb2.REFUSE and "classifier_timeout" in decision.categories

    time.sleep(3)  # a verdict screened late would have been published by now
    late = [record for records in verdicts.poll(timeout_ms=2000).values() for record in records
            if record.key == request_id.encode()]
    decisions.close()
    verdicts.close()
    assert not late, f"{len(late)} verdict(s) for a request already past its deadline: it was screened"
    assert screen(stub, "What is the capital of France?").outcome == types_pb2.ALLOW  # fresh ones still are
