"""What ingest knows of decisions: calls waiting for one, recent ones, and stream subscribers.

`DecisionBook` lives on the server's event loop. `DecisionsFeed` is a thread that reads every
partition of the decisions topic (no consumer group: each ingest instance must see every decision,
since it cannot know which instance holds the waiting call) and hands each decision to the book.
"""

from __future__ import annotations

import asyncio
import collections
import threading

from screening.v1 import events_pb2
from services.common import topics


class DecisionBook:
    def __init__(self, capacity: int):
        self._capacity = capacity
        self._decided: collections.OrderedDict[str, events_pb2.Decision] = collections.OrderedDict()
        self._waiting: dict[str, asyncio.Future] = {}
        self._subscribers: set[tuple[str, asyncio.Queue]] = set()

    def get(self, request_id: str) -> events_pb2.Decision | None:
        return self._decided.get(request_id)

    def pending(self, request_id: str) -> bool:
        return request_id in self._waiting

    def wait_for(self, request_id: str) -> asyncio.Future:
        """A future that resolves with the request's decision (shared by every waiter of that id)."""
        future = self._waiting.get(request_id)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._waiting[request_id] = future
        return future

    def forget(self, request_id: str) -> None:
        future = self._waiting.pop(request_id, None)
        if future is not None and not future.done():
            future.cancel()

    def record(self, decision: events_pb2.Decision) -> bool:
        """Stores a decision and completes its waiting calls once; returns False for a repeat."""
        rid = decision.request_id
        if rid in self._decided:
            return False
        self._decided[rid] = decision
        while len(self._decided) > self._capacity:
            self._decided.popitem(last=False)
        future = self._waiting.pop(rid, None)
        if future is not None and not future.done():
            future.set_result(decision)
        for tenant, queue in list(self._subscribers):
            if not tenant or tenant == decision.tenant_id:
                if queue.full():
                    queue.get_nowait()  # a slow reader loses the oldest, never blocks the feed
                queue.put_nowait(decision)
        return True

    def subscribe(self, tenant_id: str, depth: int = 1000) -> tuple[str, asyncio.Queue]:
        entry = (tenant_id, asyncio.Queue(maxsize=depth))
        self._subscribers.add(entry)
        return entry

    def unsubscribe(self, entry) -> None:
        self._subscribers.discard(entry)


class DecisionsFeed(threading.Thread):
    """Reads the decisions topic from its end and posts each decision to the book's event loop."""

    def __init__(self, consumer_factory, book: DecisionBook, loop: asyncio.AbstractEventLoop, log):
        super().__init__(name="decisions-feed", daemon=True)
        self._consumer_factory = consumer_factory
        self._book = book
        self._loop = loop
        self._log = log
        self._stop = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        consumer = self._consumer_factory()
        try:
            while not self._stop.is_set():
                partitions = consumer.partitions_for_topic(topics.DECISIONS)
                if partitions:
                    break
                self._stop.wait(0.2)
            from kafka import TopicPartition

            assignment = [TopicPartition(topics.DECISIONS, p) for p in sorted(partitions or [])]
            consumer.assign(assignment)
            consumer.seek_to_end(*assignment)
            for tp in assignment:
                consumer.position(tp)
            self.ready.set()
            while not self._stop.is_set():
                batches = consumer.poll(timeout_ms=100, max_records=500)
                for records in batches.values():
                    for record in records:
                        decision = events_pb2.Decision()
                        try:
                            decision.ParseFromString(record.value)
                        except Exception as exc:  # noqa: BLE001 - a bad record must not stop the feed
                            self._log.warning("decision_unreadable", offset=record.offset, error=str(exc))
                            continue
                        self._loop.call_soon_threadsafe(self._book.record, decision)
        except Exception as exc:  # noqa: BLE001
            self._log.error("decisions_feed_failed", error=repr(exc))
            raise
        finally:
            consumer.close()

    def stop(self) -> None:
        self._stop.set()
