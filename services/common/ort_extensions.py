"""onnxruntime-extensions (the refusal model's tokenizer ops), imported without its side effect.

Importing `onnxruntime_extensions` sets PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION=python in os.environ (its
`cvt` module, to dodge protobuf version clashes of its converters). Every process started afterwards
inherits it and runs protobuf's pure-Python implementation: the stack started by the bench (which
imports the baseline) and by the test suite (whose unit tests import it) did, every Kafka event, gRPC
message and Ray Serve call included. Import it through `library_path` instead.
"""

from __future__ import annotations

import os

PROTOBUF_VAR = "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION"


def library_path() -> str:
    """The custom-ops library to register with an onnxruntime SessionOptions; leaves os.environ, and this
    process's protobuf implementation, as they were."""
    from google.protobuf.internal import api_implementation  # noqa: F401 - chooses this process's protobuf first

    before = os.environ.get(PROTOBUF_VAR)
    import onnxruntime_extensions

    if before is None:
        os.environ.pop(PROTOBUF_VAR, None)
    else:
        os.environ[PROTOBUF_VAR] = before
    return onnxruntime_extensions.get_library_path()
