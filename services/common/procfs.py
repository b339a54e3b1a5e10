"""The processes of this machine, from /proc (Linux): what the local stack and its supervisor need to
find a part's processes, its CPU time and what a dead part left behind."""

from __future__ import annotations

import os
from collections.abc import Iterator


def stats() -> Iterator[tuple[int, list[str]]]:
    """(pid, fields of /proc/PID/stat after the command name) of every process: fields[0] the state,
    [1] the parent, [3] the session, [11] and [12] user and system CPU in clock ticks."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    yield int(entry), handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
