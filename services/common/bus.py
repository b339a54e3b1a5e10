"""The thin interface to Kafka: an idempotent producer of protobuf events, consumers with manual
commits, and topic creation. Services receive these at construction; nothing else imports kafka."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from google.protobuf.message import Message
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError, TopicAlreadyExistsError

from services.common import telemetry, topics


def event_headers(message: Message) -> list[tuple[str, bytes]]:
    return telemetry.kafka_headers({
        "content-type": "application/x-protobuf",
        "schema": message.DESCRIPTOR.full_name,
    })


class EventProducer:
    """Publishes protobuf events keyed by request id; acks=all, idempotent, retried without end."""

    def __init__(self, bootstrap_servers: str, client_id: str, max_message_bytes: int):
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers.split(","),
            client_id=client_id,
            acks="all",
            enable_idempotence=True,
            retries=2**31 - 1,
            max_in_flight_requests_per_connection=5,
            linger_ms=0,
            request_timeout_ms=15000,
            delivery_timeout_ms=120000,
            max_request_size=max_message_bytes,
            reconnect_backoff_max_ms=1000,
        )

    def publish(self, topic: str, key: str, message: Message, headers: list[tuple[str, bytes]] | None = None):
        """Sends one event; returns kafka-python's future (call `.get()` to wait for the ack)."""
        return self._producer.send(topic, key=key.encode(), value=message.SerializeToString(),
                                   headers=headers if headers is not None else event_headers(message))

    def publish_raw(self, topic: str, key: bytes | None, value: bytes, headers: list[tuple[str, bytes]]):
        return self._producer.send(topic, key=key, value=value, headers=headers)

    async def publish_async(self, topic: str, key: str, message: Message,
                            headers: list[tuple[str, bytes]] | None = None) -> None:
        """Publishes and waits for the broker's acknowledgement without blocking the event loop."""
        loop = asyncio.get_running_loop()
        done: asyncio.Future = loop.create_future()

        def ok(_metadata):
            loop.call_soon_threadsafe(lambda: done.done() or done.set_result(None))

        def failed(exc):
            loop.call_soon_threadsafe(lambda: done.done() or done.set_exception(exc))

        self.publish(topic, key, message, headers).add_callback(ok).add_errback(failed)
        await done

    def flush(self, timeout: float | None = None) -> None:
        self._producer.flush(timeout)

    def close(self, timeout: float = 5.0) -> None:
        self._producer.close(timeout)


def make_consumer(bootstrap_servers: str, group_id: str | None, client_id: str, max_message_bytes: int,
                  **overrides) -> KafkaConsumer:
    """A consumer with manual commits; subscribe or assign it yourself."""
    options = dict(
        bootstrap_servers=bootstrap_servers.split(","),
        group_id=group_id,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=100,  # the broker answers as soon as a record arrives (fetch_min_bytes=1); a
        # short wait only makes idle consumers spin (5 ms cost about a core across the stack at rest)
        fetch_max_bytes=max(52428800, max_message_bytes),
        max_partition_fetch_bytes=max_message_bytes,
        session_timeout_ms=10000,
        heartbeat_interval_ms=1000,
        max_poll_interval_ms=300000,
        reconnect_backoff_max_ms=1000,
        isolation_level="read_committed",
    )
    options.update(overrides)
    return KafkaConsumer(**options)


class StallWatch:
    """Tells a stalled consumer from one that is merely between polls. Seen after a broker (re)start
    with kafka-python 3.0: a consumer that keeps its partitions but never fetches again; callers then
    recreate it (committed offsets make that safe). A consumer is stalled when two checks in a row find
    the broker holding records past the SAME position of a partition (records that arrived between a
    poll and one check are fetched by the next poll), or when it cannot even say where it is. A check
    is due after `interval_s` without a record (`due`)."""

    def __init__(self, interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._lagging: dict = {}
        self._interval_s = interval_s
        self._clock = clock
        self._last = clock()

    def due(self, got_records: bool) -> bool:
        """Called after every poll: True when no record came for interval_s (the timer restarts)."""
        now = self._clock()
        if got_records:
            self._last = now
            return False
        if now - self._last <= self._interval_s:
            return False
        self._last = now
        return True

    def observe(self, lagging: dict | None) -> bool:
        """lagging: {partition: the consumer's position} for partitions with records past it, or None
        when positions could not be read. True when the consumer should be recreated."""
        if lagging is None:
            self._lagging = {}
            return True
        stuck = any(self._lagging.get(tp) == position for tp, position in lagging.items())
        self._lagging = dict(lagging)
        return stuck

    def check(self, consumer: KafkaConsumer, log) -> bool:
        try:
            assigned = list(consumer.assignment())
            ends = consumer.end_offsets(assigned)  # asked of the broker: the client's own highwater is
            # unknown until a fetch succeeds
            positions = {tp: consumer.position(tp, timeout_ms=2000) for tp in assigned}
            lagging = {tp: position for tp, position in positions.items() if ends[tp] > position}
        except Exception as exc:  # noqa: BLE001 - a consumer that cannot say where it is: reconnect
            log.warning("stall_check_failed", error=repr(exc))
            lagging = None
        return self.observe(lagging)


def wait_for_topics(consumer: KafkaConsumer, names: list[str], timeout_s: float = 60.0) -> None:
    """Blocks until the broker's metadata lists partitions for every topic. Subscribing before that
    can leave a consumer group member with an empty assignment until the metadata next expires."""
    deadline = time.monotonic() + timeout_s
    while True:
        known = consumer.topics()  # refreshes the cluster metadata
        if all(name in known and consumer.partitions_for_topic(name) for name in names):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"topics {names} have no partition metadata after {timeout_s:.0f}s: is Kafka up and "
                               f"were the topics created (screening stack up creates them)?")
        time.sleep(0.2)


def read_request_ids(bootstrap_servers: str, topic: str, partitions: list[int], window: int,
                     max_message_bytes: int) -> list[str]:
    """The keys (request ids) of the last `window` records of each given partition of `topic`."""
    from kafka import TopicPartition

    consumer = make_consumer(bootstrap_servers, None, "restore", max_message_bytes)
    try:
        assignment = [TopicPartition(topic, p) for p in partitions]
        consumer.assign(assignment)
        ends = consumer.end_offsets(assignment)
        starts = consumer.beginning_offsets(assignment)
        remaining = {}
        for tp in assignment:
            start = max(starts[tp], ends[tp] - window)
            consumer.seek(tp, start)
            if ends[tp] > start:
                remaining[tp] = ends[tp]
        ids = []
        deadline = time.monotonic() + 60
        while remaining and time.monotonic() < deadline:
            for tp, records in consumer.poll(timeout_ms=200, max_records=5000).items():
                for record in records:
                    if record.key:
                        ids.append(record.key.decode("utf-8", "replace"))
                if tp in remaining and consumer.position(tp) >= remaining[tp]:
                    del remaining[tp]
        return ids
    finally:
        consumer.close()


def _wait_for_leaders(admin: KafkaAdminClient, names: list[str], deadline: float) -> None:
    """Blocks until every partition of the topics has a leader (a restarted broker elects them anew)."""
    while time.monotonic() < deadline:
        try:
            described = admin.describe_topics(names)
            if all(p.get("leader_id", -1) >= 0 for t in described for p in t.get("partitions", [])) \
                    and all(t.get("partitions") for t in described):
                return
        except KafkaError:
            pass
        time.sleep(0.3)


def ensure_topics(bootstrap_servers: str, partitions: int, max_message_bytes: int, timeout_s: float = 60.0,
                  progress: Callable[[str], None] = lambda _m: None) -> list[str]:
    """Creates the service's topics (equal partition counts) if they are missing; returns those created."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            admin = KafkaAdminClient(bootstrap_servers=bootstrap_servers.split(","), client_id="screening-admin",
                                     request_timeout_ms=10000)
            break
        except KafkaError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)
    try:
        existing = set(admin.list_topics())
        wanted = [t for t in topics.ALL if t not in existing]
        if wanted:
            config = {"max.message.bytes": str(max_message_bytes), "min.insync.replicas": "1"}
            try:
                admin.create_topics(
                    {t: {"num_partitions": partitions, "replication_factor": 1, "configs": config} for t in wanted},
                    wait_for_metadata=True)
            except TopicAlreadyExistsError:
                pass
            progress(f"created topics {', '.join(wanted)} with {partitions} partitions each")
        _wait_for_leaders(admin, list(topics.ALL), deadline)
        return wanted
    finally:
        admin.close()
