"""The local stack notices when the running Triton serves models older than those prepared now."""

from services.cli import stack


def test_a_running_triton_with_older_models_is_reported(tmp_path):
    config = stack.StackConfig(run_dir=tmp_path / "run", model_dir=tmp_path / "models")
    local = stack.Stack(config, progress=lambda message: None)
    assert local.stale_models() is None  # nothing started, nothing prepared

    (tmp_path / "models").mkdir()
    (tmp_path / "models" / stack.MANIFEST).write_text('{"text/refusal.onnx": "refusal_head:aaaa"}')
    stack._save_state(config, {"components": {"triton": {"pid": 1, "models": stack.models_digest(config)}}})
    assert local.stale_models() is None

    (tmp_path / "models" / stack.MANIFEST).write_text('{"text/refusal.onnx": "refusal_head:bbbb"}')
    reason = local.stale_models()
    assert reason is not None and "screening stack down" in reason


def _states(pids: list[int], want_stopped: bool) -> bool:
    """Whether every process reaches the state (a signal is delivered shortly after kill() returns)."""
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        states = []
        for pid in pids:
            with open(f"/proc/{pid}/stat") as handle:
                states.append(handle.read().rsplit(")", 1)[1].split()[0])
        if all((state == "T") == want_stopped for state in states):
            return True
        time.sleep(0.02)
    return False


def test_paused_freezes_every_process_of_a_component_and_resumes_them(tmp_path):
    """The bench pauses the stack while the baseline runs: a component's own children (Ray's processes,
    Triton's stubs) are frozen too, and everything runs again after the block."""
    import os
    import time

    config = stack.StackConfig(run_dir=tmp_path / "run", model_dir=tmp_path / "models")
    local = stack.Stack(config, progress=lambda message: None)
    pid = local._spawn("decision", ["sh", "-c", "sleep 60 & sleep 60; wait"], dict(os.environ))
    try:
        deadline = time.monotonic() + 10
        while len(local.processes()) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        processes = local.processes()
        assert pid in processes and len(processes) == 4  # the supervisor, sh and its two sleeps
        assert local.service_pid("decision") in processes and local.service_pid("decision") != pid
        assert os.getpid() not in processes
        with local.paused():
            assert _states(processes, want_stopped=True)
        assert _states(processes, want_stopped=False)
        assert local.cpu_seconds() >= 0.0
    finally:
        local.stop_component("decision", grace_s=2)


def test_restarts_counts_the_supervisors_restarts_since_the_last_start(tmp_path):
    config = stack.StackConfig(run_dir=tmp_path / "run", model_dir=tmp_path / "models")
    local = stack.Stack(config, progress=lambda message: None)
    assert local.restarts("decision") == 0  # no log yet
    local.logs.mkdir(parents=True)
    (local.logs / "decision.log").write_text(
        "==== 2026-11-25 07:00:00 starting decision ====\n"
        "supervise: python exited with status -9 after 40s; restarting it in 1s (1/5)\n"
        "==== 2026-11-25 08:00:00 starting decision ====\n"
        "{\"event\": \"serving\"}\n"
        "supervise: python exited with status -9 after 12s; restarting it in 1s (1/5)\n"
        "supervise: python exited with status 1 after 3s; restarting it in 2s (2/5)\n")
    assert local.restarts("decision") == 2  # the restart before the last `stack up` does not count
