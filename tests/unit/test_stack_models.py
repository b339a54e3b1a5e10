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
