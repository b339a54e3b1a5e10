"""Runs a command and starts it again when it exits on its own, as a Kubernetes restart policy does for a
pod. The local stack runs every part under it (the Kafka broker, tritonserver, the decision service, the
Ray Serve workers, ingest): a part that crashes, or is killed, is back in seconds and resumes from
Kafka's committed offsets, instead of waiting for someone to run `screening stack up`. SIGTERM or SIGINT
is passed to the command and ends the supervision.

    python -m services.common.supervise [--max-restarts N] [--backoff-s S] [--setup-s S] -- COMMAND [ARG ...]

- A command that exits with an error status within --setup-s of its FIRST start failed to start (a
  set-up error, e.g. an invalid setting): it is not restarted, and the supervisor exits with its status
  at once. Killed by a signal, it is restarted whenever that happens.
- Restarts wait --backoff-s, doubled after each restart in a row (at most 30 s); a run that lasted
  STABLE_S resets the count, so a part that crashes once a day is not given up on after N days.
- Run as a session leader (the stack starts each part in a session of its own), the supervisor kills
  what the exited command left behind in that session before it starts it again (Ray's agents outlive
  a killed driver), as a container restart does.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

from services.common import procfs

STABLE_S = 60.0  # a run this long resets the restart count
MAX_BACKOFF_S = 30.0


def leftovers() -> list[int]:
    """Processes of this process's session other than itself (only when it leads the session: a
    supervisor started from a shell must not kill the shell's other jobs)."""
    me = os.getpid()
    if os.getsid(0) != me:
        return []
    return [pid for pid, fields in procfs.stats() if pid != me and int(fields[3]) == me and fields[0] != "Z"]


def supervise(command: list[str], max_restarts: int = 5, backoff_s: float = 1.0, setup_s: float = 0.0,
              log: Callable[[str], None] = print) -> int:
    """Runs `command` until it is stopped by a signal to this process; restarts it up to `max_restarts`
    times in a row when it exits by itself. Returns the command's last exit status."""
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    restarts = 0
    first = True
    while True:
        began = time.monotonic()
        child = subprocess.Popen(command)
        if stopping:
            child.terminate()
        code = child.wait()
        if stopping:
            return code
        ran_s = time.monotonic() - began
        if first and ran_s < setup_s and code > 0:  # an exit, not a kill by a signal (code < 0)
            log(f"supervise: {command[0]} exited with status {code} {ran_s:.1f}s after its first start (a set-up "
                f"error, see above); not restarted")
            return code or 1
        first = False
        if ran_s >= STABLE_S:
            restarts = 0
        if restarts >= max_restarts:
            log(f"supervise: {command[0]} exited with status {code}; not restarted again after {restarts} restarts "
                f"in a row")
            return code or 1
        for pid in leftovers():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        wait_s = min(MAX_BACKOFF_S, backoff_s * 2 ** restarts)
        restarts += 1
        log(f"supervise: {command[0]} exited with status {code} after {ran_s:.0f}s; restarting it in {wait_s:g}s "
            f"({restarts}/{max_restarts})")
        time.sleep(wait_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.common.supervise", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-restarts", type=int, default=5, help="restarts in a row before giving up (5)")
    parser.add_argument("--backoff-s", type=float, default=1.0,
                        help="seconds to wait before the first restart, doubled for each one after (1)")
    parser.add_argument("--setup-s", type=float, default=0.0,
                        help="an exit this soon after the first start is a set-up error: not restarted (0: off)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command and its arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given: python -m services.common.supervise -- COMMAND [ARG ...]")
    return supervise(command, args.max_restarts, args.backoff_s, args.setup_s,
                     lambda message: print(message, flush=True))


if __name__ == "__main__":
    sys.exit(main())
