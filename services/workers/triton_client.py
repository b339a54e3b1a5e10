"""The thin interface to Triton: one async `infer` call per model, traced."""

from __future__ import annotations

import numpy as np
import tritonclient.grpc.aio as triton_aio
from opentelemetry import trace
from tritonclient.utils import np_to_triton_dtype

_tracer = trace.get_tracer("workers.triton")


class TritonClient:
    """Created lazily inside the event loop that uses it (gRPC aio channels bind to their loop)."""

    def __init__(self, url: str):
        self._url = url
        self._client: triton_aio.InferenceServerClient | None = None

    def _get(self) -> triton_aio.InferenceServerClient:
        if self._client is None:
            self._client = triton_aio.InferenceServerClient(self._url)
        return self._client

    async def infer(self, model: str, inputs: dict[str, np.ndarray], outputs: list[str],
                    timeout_s: float | None = None) -> dict[str, np.ndarray]:
        with _tracer.start_as_current_span(f"triton.infer {model}", kind=trace.SpanKind.CLIENT,
                                           attributes={"triton.model": model,
                                                       "triton.batch": int(next(iter(inputs.values())).shape[0])}):
            tensors = []
            for name, array in inputs.items():
                tensor = triton_aio.InferInput(name, list(array.shape), np_to_triton_dtype(array.dtype))
                tensor.set_data_from_numpy(array)
                tensors.append(tensor)
            wanted = [triton_aio.InferRequestedOutput(name) for name in outputs]
            result = await self._get().infer(model, tensors, outputs=wanted,
                                             client_timeout=timeout_s)
            return {name: result.as_numpy(name) for name in outputs}

    async def ready(self, model: str) -> bool:
        return await self._get().is_model_ready(model)
