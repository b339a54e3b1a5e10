"""In-order offset commits for out-of-order processing.

A consumer that works on many records at once may finish them in any order, but may only commit
an offset once every record before it is done: otherwise a crash would skip unfinished records.
`OffsetTracker` answers, per partition, the next offset that is safe to commit.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable


class OffsetTracker:
    def __init__(self):
        self._pending: dict[Hashable, set[int]] = {}
        self._done: dict[Hashable, list[int]] = {}
        self._next: dict[Hashable, int] = {}
        self._committed: dict[Hashable, int] = {}

    def started(self, partition: Hashable, offset: int) -> None:
        self._pending.setdefault(partition, set()).add(offset)
        self._done.setdefault(partition, [])
        if partition not in self._next:
            self._next[partition] = offset

    def finished(self, partition: Hashable, offset: int) -> None:
        pending = self._pending.get(partition)
        if pending is None or offset not in pending:
            return  # the partition was revoked meanwhile
        pending.discard(offset)
        heapq.heappush(self._done[partition], offset)
        done = self._done[partition]
        while done and (not pending or done[0] < min(pending)):
            self._next[partition] = heapq.heappop(done) + 1

    def committable(self) -> dict[Hashable, int]:
        """Partitions whose safe next offset moved since the last `mark_committed`."""
        return {p: n for p, n in self._next.items() if self._committed.get(p) != n}

    def mark_committed(self, offsets: dict[Hashable, int]) -> None:
        self._committed.update(offsets)

    def in_flight(self) -> int:
        return sum(len(p) for p in self._pending.values())

    def forget(self, partitions) -> None:
        """Drops the state of revoked partitions; their unfinished records will be redelivered."""
        for partition in partitions:
            for table in (self._pending, self._done, self._next, self._committed):
                table.pop(partition, None)
