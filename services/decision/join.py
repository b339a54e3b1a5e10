"""The join: per request id, collect the expected verdicts until all are in or the deadline passes.

Pure and single-threaded: the service feeds it requests, verdicts and the clock, and publishes what
it returns. Verdicts may arrive before their request (two topics), twice, late, or never.
"""

from __future__ import annotations

import collections
import dataclasses
import heapq

from screening.v1 import events_pb2, types_pb2


@dataclasses.dataclass
class Pending:
    request: events_pb2.ScreeningRequested
    due_ms: int
    verdicts: dict[str, types_pb2.ClassifierEvidence] = dataclasses.field(default_factory=dict)
    # opaque tokens (e.g. Kafka offsets) that become committable once the request is decided
    tokens: list = dataclasses.field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        return [c for c in self.request.expected_classifiers if c not in self.verdicts]


@dataclasses.dataclass(frozen=True)
class Ready:
    """A request whose verdicts are all in (timed_out empty) or whose deadline passed."""

    request: events_pb2.ScreeningRequested
    verdicts: dict[str, types_pb2.ClassifierEvidence]
    timed_out: list[str]
    tokens: list


@dataclasses.dataclass
class JoinStats:
    duplicates: int = 0
    late: int = 0
    orphans: int = 0
    unexpected: int = 0
    repeated_requests: int = 0


class Join:
    def __init__(self, replay_grace_ms: int = 300, orphan_ttl_ms: int = 60_000, decided_capacity: int = 200_000):
        self._pending: dict[str, Pending] = {}
        self._timers: list[tuple[int, str]] = []
        self._orphans: dict[str, list[tuple[int, events_pb2.Verdict, object]]] = {}
        self._decided: collections.OrderedDict[str, None] = collections.OrderedDict()
        self._grace = replay_grace_ms
        self._orphan_ttl = orphan_ttl_ms
        self._capacity = decided_capacity
        self.stats = JoinStats()

    def __len__(self) -> int:
        return len(self._pending)

    def is_decided(self, request_id: str) -> bool:
        return request_id in self._decided

    def mark_decided(self, request_id: str) -> None:
        self._decided[request_id] = None
        self._decided.move_to_end(request_id)
        while len(self._decided) > self._capacity:
            self._decided.popitem(last=False)

    def on_request(self, request: events_pb2.ScreeningRequested, now_ms: int, token=None) -> tuple[list[Ready], list]:
        """Returns (ready requests, tokens finished without a decision)."""
        rid = request.request_id
        if rid in self._decided or rid in self._pending:
            self.stats.repeated_requests += 1
            return [], [token] if token is not None else []
        # a replayed request whose deadline passed still waits a moment for its replayed verdicts
        due = max(request.deadline_unix_ms, now_ms + self._grace)
        pending = Pending(request, due, tokens=[token] if token is not None else [])
        self._pending[rid] = pending
        heapq.heappush(self._timers, (due, rid))
        finished: list = []
        for _at, verdict, verdict_token in self._orphans.pop(rid, []):
            finished += self._add(pending, verdict, verdict_token)
        return self._ready_if_complete(rid), finished

    def on_verdict(self, verdict: events_pb2.Verdict, now_ms: int, token=None) -> tuple[list[Ready], list]:
        rid = verdict.request_id
        if rid in self._decided:
            self.stats.late += 1
            return [], [token] if token is not None else []
        pending = self._pending.get(rid)
        if pending is None:
            self.stats.orphans += 1
            self._orphans.setdefault(rid, []).append((now_ms, verdict, token))
            return [], []
        finished = self._add(pending, verdict, token)
        return self._ready_if_complete(rid), finished

    def _add(self, pending: Pending, verdict: events_pb2.Verdict, token) -> list:
        if verdict.classifier not in pending.request.expected_classifiers:
            self.stats.unexpected += 1
            return [token] if token is not None else []
        if verdict.classifier in pending.verdicts:
            self.stats.duplicates += 1
            return [token] if token is not None else []
        pending.verdicts[verdict.classifier] = verdict.evidence
        if token is not None:
            pending.tokens.append(token)
        return []

    def _ready_if_complete(self, rid: str) -> list[Ready]:
        pending = self._pending.get(rid)
        if pending is None or pending.missing:
            return []
        return [self._finish(rid, [])]

    def _finish(self, rid: str, timed_out: list[str]) -> Ready:
        pending = self._pending.pop(rid)
        self.mark_decided(rid)
        return Ready(pending.request, dict(pending.verdicts), timed_out, pending.tokens)

    def due(self, now_ms: int) -> tuple[list[Ready], list]:
        """Requests whose deadline passed (decided with what they have), and expired orphan tokens."""
        ready = []
        while self._timers and self._timers[0][0] <= now_ms:
            _due, rid = heapq.heappop(self._timers)
            pending = self._pending.get(rid)
            if pending is not None and pending.due_ms == _due:
                ready.append(self._finish(rid, pending.missing))
        expired: list = []
        for rid in [r for r, items in self._orphans.items() if items[0][0] + self._orphan_ttl <= now_ms]:
            expired += [token for _at, _v, token in self._orphans.pop(rid) if token is not None]
        return ready, expired

    def next_due_ms(self) -> int | None:
        return self._timers[0][0] if self._timers else None
