"""How the local stack runs the `tritonserver` binary that the nvidia-pytriton wheel ships.

The wheel carries the server (2.51), its shared libraries and the Python backend with a stub per
Python version; we assemble a backend directory with the 3.11 stub, point the loader at the wheel's
libraries and the interpreter's libpython, and put the venv's bin first on PATH so the stub's
embedded Python finds the venv's packages (onnxruntime, numpy).
"""

from __future__ import annotations

import os
import pathlib
import shutil
import sys
import sysconfig

MODEL_REPOSITORY = pathlib.Path(__file__).resolve().parent / "models"


def _pytriton_root() -> pathlib.Path:
    import pytriton

    return pathlib.Path(pytriton.__file__).resolve().parent


def prepare_backends(dest: pathlib.Path) -> pathlib.Path:
    """Copies the wheel's backends to `dest` with the Python 3.11 stub in place (idempotent)."""
    root = _pytriton_root() / "tritonserver"
    python_dir = dest / "python"
    stub = python_dir / "triton_python_backend_stub"
    if not stub.exists():
        if dest.exists():
            shutil.rmtree(dest)
        shutil.copytree(root / "backends", dest)
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        shutil.copy2(root / "python_backend_stubs" / version / "triton_python_backend_stub", stub)
    return dest


def repository_without_batching(dest: pathlib.Path) -> pathlib.Path:
    """A copy of the model repository with every `dynamic_batching` block removed (the benchmark's
    "batching off" arm): each request then runs alone."""
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(MODEL_REPOSITORY, dest, symlinks=False)
    for config in dest.glob("*/config.pbtxt"):
        lines = config.read_text().splitlines(keepends=True)
        config.write_text("".join(line for line in lines if not line.lstrip().startswith("dynamic_batching")))
    return dest


def command(backends: pathlib.Path, cache: pathlib.Path, grpc_port: int, http_port: int, metrics_port: int,
            repository: pathlib.Path = MODEL_REPOSITORY) -> list[str]:
    binary = _pytriton_root() / "tritonserver" / "bin" / "tritonserver"
    return [
        str(binary),
        f"--model-repository={repository}",
        f"--backend-directory={backends}",
        f"--cache-directory={cache}",
        "--http-address=127.0.0.1", f"--http-port={http_port}",
        "--grpc-address=127.0.0.1", f"--grpc-port={grpc_port}",
        "--metrics-address=127.0.0.1", f"--metrics-port={metrics_port}",
        "--allow-gpu-metrics=false", "--exit-on-error=true", "--strict-readiness=true",
        "--pinned-memory-pool-byte-size=0", "--cuda-memory-pool-byte-size=0:0",
        "--log-verbose=0",
    ]


def environment(base: dict[str, str], model_dir: pathlib.Path) -> dict[str, str]:
    root = _pytriton_root()
    libs = [str(root.parent / "nvidia_pytriton.libs"), sysconfig.get_config_var("LIBDIR") or ""]
    env = dict(base)
    env["LD_LIBRARY_PATH"] = ":".join([p for p in libs if p] + [base.get("LD_LIBRARY_PATH", "")]).rstrip(":")
    env["PATH"] = str(pathlib.Path(sys.executable).parent) + os.pathsep + base.get("PATH", "")
    env["SCREENING_MODEL_DIR"] = str(model_dir)
    return env
