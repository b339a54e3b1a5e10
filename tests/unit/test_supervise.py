"""The supervisor the local stack runs Triton under: restarts a command that exits, stops on SIGTERM."""

import signal
import subprocess
import sys
import time

from services.triton import supervise


def test_a_command_that_exits_is_restarted_up_to_the_limit(tmp_path):
    runs = tmp_path / "runs"
    messages = []
    code = supervise.supervise(["sh", "-c", f"echo run >> {runs}; exit 3"], max_restarts=2, backoff_s=0,
                               log=messages.append)
    assert code == 3
    assert runs.read_text().count("run") == 3  # the first run and two restarts
    assert len(messages) == 3 and "not restarted again" in messages[-1]


def test_sigterm_stops_the_command_and_the_supervision(tmp_path):
    runs = tmp_path / "runs"
    proc = subprocess.Popen([sys.executable, "-m", "services.triton.supervise", "--backoff-s", "0", "--",
                             "sh", "-c", f"echo run >> {runs}; exec sleep 30"])
    deadline = time.monotonic() + 10
    while not runs.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) != 0  # the command ended by the signal, not restarted
    time.sleep(0.3)
    assert runs.read_text().count("run") == 1
