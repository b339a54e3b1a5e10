"""What ingest knows of decisions: calls waiting for one, recent ones, and stream subscribers.

`DecisionBook` lives on the server's event loop. `DecisionsFeed` is a thread that reads every
partition of the decisions topic (no consumer group: each ingest instance must see every decision,
since it cannot know which instance holds the waiting call) and hands each decision to the book.
"""

from __future__ import annotations

import asyncio
import collections
import threading
import time

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


REPLAY_LIMIT_S = 60.0  # the longest the read-back on start may hold up serving


class DecisionsFeed(threading.Thread):
    """Reads the decisions topic and posts each decision to the book's event loop. On start it first
    reads back the decisions of the last `replay_s` seconds (at most `replay_max` of them), then is
    `ready`: a request decided while this instance was down (it crashed after accepting the request, or
    the caller's call went to another instance) is then answered by GetDecision and by a retry with the
    same client_request_id, instead of the retry being published again and waiting for a decision the
    decision service never makes twice."""

    def __init__(self, consumer_factory, book: DecisionBook, loop: asyncio.AbstractEventLoop, log,
                 replay_s: float = 0.0, replay_max: int = 0):
        super().__init__(name="decisions-feed", daemon=True)
        self._consumer_factory = consumer_factory
        self._book = book
        self._loop = loop
        self._log = log
        self._replay_ms = int(replay_s * 1000)
        self._replay_max = replay_max
        self._stop = threading.Event()
        self.ready = threading.Event()
        self.replayed = 0

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
            ends = self._replay_from(consumer, assignment)
            began = time.monotonic()
            while not self._stop.is_set() and any(consumer.position(tp) < end for tp, end in ends.items()):
                if time.monotonic() - began > REPLAY_LIMIT_S:  # serve rather than wait on a slow broker
                    self._log.warning("decisions_replay_cut_short", decisions=self.replayed, after_s=REPLAY_LIMIT_S)
                    break
                self.replayed += self._post(consumer.poll(timeout_ms=200, max_records=2000))
            if ends:
                self._log.info("decisions_replayed", decisions=self.replayed, seconds=self._replay_ms / 1000,
                               took_ms=round((time.monotonic() - began) * 1000))
            self.ready.set()
            while not self._stop.is_set():
                self._post(consumer.poll(timeout_ms=200, max_records=500))
        except Exception as exc:  # noqa: BLE001
            self._log.error("decisions_feed_failed", error=repr(exc))
            raise
        finally:
            consumer.close()

    def _replay_from(self, consumer, assignment) -> dict:
        """Seeks each partition to where the replay starts; returns the end offsets to replay up to
        (empty: no replay, reading starts at the end)."""
        ends = consumer.end_offsets(assignment)
        if self._replay_ms <= 0 or self._replay_max <= 0 or not assignment:
            consumer.seek_to_end(*assignment)
            for tp in assignment:
                consumer.position(tp)
            return {}
        since = consumer.offsets_for_times({tp: int(time.time() * 1000) - self._replay_ms for tp in assignment})
        starts = consumer.beginning_offsets(assignment)
        per_partition = max(1, self._replay_max // len(assignment))
        for tp in assignment:
            found = since.get(tp)
            start = found.offset if found is not None else ends[tp]  # None: nothing that recent
            consumer.seek(tp, max(start, ends[tp] - per_partition, starts[tp]))
        return {tp: end for tp, end in ends.items() if end > 0}

    def _post(self, batches) -> int:
        """Hands each decision of a poll to the book's loop; returns how many."""
        posted = 0
        for records in batches.values():
            for record in records:
                decision = events_pb2.Decision()
                try:
                    decision.ParseFromString(record.value)
                except Exception as exc:  # noqa: BLE001 - a bad record must not stop the feed
                    self._log.warning("decision_unreadable", offset=record.offset, error=str(exc))
                    continue
                self._loop.call_soon_threadsafe(self._book.record, decision)
                posted += 1
        return posted

    def stop(self) -> None:
        self._stop.set()
