"""onnxruntime_extensions must not switch the processes the stack starts to pure-Python protobuf."""

import os
import subprocess
import sys

from services.cli import stack
from services.cli.stack import ROOT
from services.common import ort_extensions

PROBE = ("import os, sys; sys.path.insert(0, {root!r}); {imports}; "
         "print(os.environ.get('PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION'))")


def _env_after(imports: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != ort_extensions.PROTOBUF_VAR}
    out = subprocess.run([sys.executable, "-c", PROBE.format(root=str(ROOT), imports=imports)], env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_the_plain_import_sets_pure_python_protobuf_and_library_path_does_not():
    assert _env_after("import onnxruntime_extensions") == "python"  # the side effect the helper exists for
    assert _env_after("from services.common import ort_extensions; ort_extensions.library_path()") == "None"


def test_the_stack_does_not_pass_pure_python_protobuf_to_its_services(tmp_path, monkeypatch):
    monkeypatch.setenv(ort_extensions.PROTOBUF_VAR, "python")
    config = stack.StackConfig(run_dir=tmp_path / "run", model_dir=tmp_path / "models")
    assert ort_extensions.PROTOBUF_VAR not in config.service_env()
