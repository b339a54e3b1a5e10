"""Poison messages on Kafka go to the dead-letter topic with their error, and nothing stops."""

from __future__ import annotations

import time

from kafka import KafkaConsumer, KafkaProducer

from screening.v1 import events_pb2, types_pb2
from services.common import topics

from .conftest import screen


def test_undecodable_events_are_dead_lettered_and_the_stack_goes_on(stub, kafka_bootstrap):
    consumer = KafkaConsumer(topics.DEADLETTER, bootstrap_servers=kafka_bootstrap, group_id=None,
                             auto_offset_reset="latest", consumer_timeout_ms=1000)
    consumer.poll(timeout_ms=1000)  # joins at the end of the topic
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    garbage = b"\x0f\x0f\x0f not a protobuf message"  # wire type 7 does not exist: undecodable
    producer.send(topics.REQUESTS, key=b"poison-request", value=garbage).get(timeout=10)
    producer.send(topics.VERDICTS, key=b"poison-verdict", value=garbage).get(timeout=10)
    producer.close()
    letters = []
    deadline = time.time() + 30
    while time.time() < deadline and len(letters) < 3:
        for records in consumer.poll(timeout_ms=500).values():
            for record in records:
                letter = events_pb2.DeadLetter()
                letter.ParseFromString(record.value)
                letters.append(letter)
    consumer.close()
    seen = {(letter.service, letter.source_topic) for letter in letters}
    assert seen == {("workers", topics.REQUESTS), ("decision", topics.REQUESTS), ("decision", topics.VERDICTS)}
    assert all(letter.value == garbage and letter.error for letter in letters)
    assert screen(stub, "still working?").outcome == types_pb2.ALLOW
