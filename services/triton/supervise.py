"""Runs a command and starts it again when it exits on its own, as a Kubernetes restart policy does for
the Triton pod. The local stack runs tritonserver under it: a crash of Triton (its Python backend has
aborted under heavy load) then costs a restart of a few seconds, in which requests fail closed, instead
of the classifiers until someone runs `screening stack up`. SIGTERM or SIGINT is passed to the command
and ends the supervision.

    python -m services.triton.supervise [--max-restarts N] [--backoff-s S] -- COMMAND [ARG ...]
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from collections.abc import Callable


def supervise(command: list[str], max_restarts: int = 5, backoff_s: float = 1.0,
              log: Callable[[str], None] = print) -> int:
    """Runs `command` until it is stopped by a signal to this process; restarts it up to `max_restarts`
    times when it exits by itself. Returns the command's last exit status."""
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
    while True:
        child = subprocess.Popen(command)
        if stopping:
            child.terminate()
        code = child.wait()
        if stopping:
            return code
        if restarts >= max_restarts:
            log(f"supervise: {command[0]} exited with status {code}; not restarted again after {restarts} restarts")
            return code or 1
        restarts += 1
        log(f"supervise: {command[0]} exited with status {code}; restarting it in {backoff_s:g}s "
            f"({restarts}/{max_restarts})")
        time.sleep(backoff_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.triton.supervise", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-restarts", type=int, default=5, help="restarts before giving up (5)")
    parser.add_argument("--backoff-s", type=float, default=1.0, help="seconds to wait before a restart (1)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then the command and its arguments")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given: python -m services.triton.supervise -- COMMAND [ARG ...]")
    return supervise(command, args.max_restarts, args.backoff_s, lambda message: print(message, flush=True))


if __name__ == "__main__":
    sys.exit(main())
