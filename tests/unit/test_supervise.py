"""The supervisor the local stack runs every part under: restarts a command that exits, stops on SIGTERM,
does not restart a command that failed at its first start."""

import os
import signal
import subprocess
import sys
import time

from services.common import supervise


def test_a_command_that_exits_is_restarted_up_to_the_limit(tmp_path):
    runs = tmp_path / "runs"
    messages = []
    code = supervise.supervise(["sh", "-c", f"echo run >> {runs}; exit 3"], max_restarts=2, backoff_s=0,
                               log=messages.append)
    assert code == 3
    assert runs.read_text().count("run") == 3  # the first run and two restarts
    assert len(messages) == 3 and "not restarted again" in messages[-1]


def test_a_command_that_fails_at_its_first_start_is_not_restarted(tmp_path):
    runs = tmp_path / "runs"
    messages = []
    code = supervise.supervise(["sh", "-c", f"echo run >> {runs}; exit 2"], max_restarts=3, backoff_s=0,
                               setup_s=30, log=messages.append)
    assert code == 2
    assert runs.read_text().count("run") == 1
    assert len(messages) == 1 and "set-up error" in messages[0]


def test_a_command_killed_soon_after_its_first_start_is_restarted(tmp_path):
    runs = tmp_path / "runs"
    code = supervise.supervise(["sh", "-c", f"echo run >> {runs}; kill -9 $$"], max_restarts=1, backoff_s=0,
                               setup_s=30, log=lambda message: None)
    assert code == -signal.SIGKILL
    assert runs.read_text().count("run") == 2  # a crash, not a set-up error


def test_a_restarted_command_leaves_nothing_behind_in_the_session(tmp_path):
    """As a container restart: what the exited command started (here a background sleep, as Ray's agents
    outlive a killed driver) is killed before the command runs again."""
    runs = tmp_path / "runs"
    pids = tmp_path / "pids"
    script = f"echo run >> {runs}; sleep 60 & echo $! >> {pids}; exit 1"
    proc = subprocess.Popen([sys.executable, "-m", "services.common.supervise", "--backoff-s", "0",
                             "--max-restarts", "1", "--", "sh", "-c", script], start_new_session=True)
    assert proc.wait(timeout=20) == 1
    assert runs.read_text().count("run") == 2
    first, second = (int(line) for line in pids.read_text().split())
    time.sleep(0.2)
    assert not _running(first)  # killed before the restart
    assert _running(second)  # the supervisor gave up after this run: nothing to restart, nothing killed
    os.kill(second, signal.SIGKILL)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_sigterm_stops_the_command_and_the_supervision(tmp_path):
    runs = tmp_path / "runs"
    proc = subprocess.Popen([sys.executable, "-m", "services.common.supervise", "--backoff-s", "0", "--",
                             "sh", "-c", f"echo run >> {runs}; exec sleep 30"])
    deadline = time.monotonic() + 10
    while not runs.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=10) != 0  # the command ended by the signal, not restarted
    time.sleep(0.3)
    assert runs.read_text().count("run") == 1
