"""Compares refusal heads on text-only cases in seconds, without the stack.

    python -m services.models.compare_heads CASES.jsonl[,CASES.jsonl...] HEAD.npz [HEAD.npz ...] [--flips]

Each CASES file is in `screening eval`'s format ({"text", "image", "expected", ...}); each case without
an image is cut into the strings the workers score for a prompt (refusal.pieces: the prompt, and its
windows when it is long), which are embedded once (cached like training's) and scored with each head
exactly as the served graphs score them (with the fine-tuned e5's probabilities, text/e5_refusal.onnx,
where the head gives it a weight); a case's score per category is the highest over its strings, as
the workers combine them, and it is decided by the decision service's own policy
(services/decision/policy.yaml) as a request without an image. Prints, per file and head,
harmful cases refused and benign cases refused; with --flips, each case on which the first two heads
disagree. Use it to judge a new training round or head against the served one before running
`make eval` / `make eval-public` through the stack; remember that heads trained from other seeds on the
same data differ by a few cases too (datasets/refusal/README.md, "How large a difference means anything").
"""

from __future__ import annotations

import argparse
import pathlib
import sys

import numpy as np

from screening.v1 import types_pb2
from services.cli import evaluate
from services.decision import policy as policy_module
from services.models import train_refusal
from services.workers.classifiers import refusal
from services.workers.classifiers.refusal import CATEGORIES


def typed_cases(path: pathlib.Path) -> list[dict]:
    """The cases of a `screening eval` file that are text only."""
    try:
        cases = evaluate.read_cases(path)
    except evaluate.CaseError as exc:
        raise SystemExit(f"{exc}; see `screening eval --help` for the case format") from None
    return [c for c in cases if not c.get("image")]


def case_scores(scores: np.ndarray, at: list[list[int]]) -> np.ndarray:
    """Per case, the highest score per category over its strings (rows `at` of `scores`), as the workers
    combine them; zeros for a case with nothing to read."""
    return np.array([scores[rows].max(axis=0) if rows else np.zeros(len(CATEGORIES)) for rows in at])


def refused(scores: np.ndarray, policy: policy_module.Policy) -> np.ndarray:
    """Per case, whether the decision service refuses a request without an image whose prompt got
    these category scores (its policy.evaluate, so person-directed categories need a face)."""
    def decide(row: np.ndarray) -> bool:
        evidence = types_pb2.ClassifierEvidence(classifier="refusal",
                                                scores=dict(zip(CATEGORIES, map(float, row), strict=True)))
        return policy_module.evaluate(policy, "default", {"refusal": evidence}, ["refusal"], []).outcome \
            == types_pb2.REFUSE

    return np.array([decide(row) for row in scores], dtype=bool)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.models.compare_heads", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cases", help="comma-separated `screening eval` JSONL files")
    parser.add_argument("heads", nargs="+", help="head files (.npz) written by train_refusal")
    parser.add_argument("--flips", action="store_true", help="list the cases on which the first two heads differ")
    parser.add_argument("--model-dir", default=str(train_refusal.ROOT / "var" / "models"))
    args = parser.parse_args(argv)
    missing = [p for p in [*args.cases.split(","), *args.heads] if not pathlib.Path(p).is_file()]
    if missing:
        parser.error(f"not a file: {', '.join(missing)} (public sets: `make eval-public` writes var/public/*.jsonl)")
    heads = {path: dict(np.load(path)) for path in args.heads}
    policy = policy_module.load(policy_module.DEFAULT_PATH)
    embed = train_refusal.encoder(pathlib.Path(args.model_dir))
    tuned = train_refusal.tuned_scorer(pathlib.Path(args.model_dir))
    for path in args.cases.split(","):
        cases = typed_cases(pathlib.Path(path))
        texts = [c["text"] for c in cases]
        harmful = np.array([c["expected"] == "REFUSE" for c in cases], dtype=bool)
        strings = [refusal.pieces([text]) for text in texts]
        unique = sorted({piece for pieces in strings for piece in pieces})
        row = {piece: i for i, piece in enumerate(unique)}
        x, grams, tuned_probs = embed(unique), train_refusal.Ngrams.of(unique), tuned(unique)
        at = [[row[piece] for piece in pieces] for pieces in strings]
        decisions = {p: refused(case_scores(train_refusal.score(x, grams, h, tuned_probs), at), policy)
                     for p, h in heads.items()}
        print(f"{path}: {len(cases)} text-only cases ({harmful.sum()} harmful)")
        for p, d in decisions.items():
            print(f"  {pathlib.Path(p).name:32} harmful refused {d[harmful].sum():4d}/{harmful.sum():<4d} "
                  f"benign refused {d[~harmful].sum():4d}/{(~harmful).sum()}")
        if args.flips and len(heads) >= 2:
            first, second = list(decisions.values())[:2]
            for i in np.flatnonzero(first != second):
                kind = "harmful" if harmful[i] else "benign "
                print(f"    {kind} {int(first[i])} -> {int(second[i])}  {texts[i][:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
