"""Compares refusal heads on text-only cases in seconds, without the stack.

    python -m services.models.compare_heads CASES.jsonl[,CASES.jsonl...] HEAD.npz [HEAD.npz ...] [--flips]

Each CASES file is in `screening eval`'s format ({"text", "image", "expected", ...}); the cases without an
image and with at most E5_MAX_CHARS characters (scored in one window, as the stack scores them) are
embedded once (cached like training's), scored with each head exactly as the served graph scores
them, and refused as the decision refuses typed text: any category other than the person-directed
ones at or above the policy's threshold (those need a face in an image). Prints, per file and head,
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

from services.cli import evaluate
from services.models import train_refusal
from services.workers.classifiers.refusal import CATEGORIES, E5_MAX_CHARS

PERSON_DIRECTED = ("person_identification", "sensitive_trait", "ungrounded_inference")


def typed_cases(path: pathlib.Path) -> list[dict]:
    """The cases of a `screening eval` file that are text only and fit one scoring window."""
    try:
        cases = evaluate.read_cases(path)
    except evaluate.CaseError as exc:
        raise SystemExit(f"{exc}; see `screening eval --help` for the case format") from None
    return [c for c in cases if not c.get("image") and len(c["text"]) <= E5_MAX_CHARS]


def refused(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Per case, whether the decision refuses typed text with these category scores: a category other
    than the person-directed ones at or above its threshold."""
    hit = scores >= thresholds
    hit[:, [CATEGORIES.index(c) for c in PERSON_DIRECTED]] = False
    return hit.any(axis=1)


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
    thresholds = train_refusal.policy_thresholds()
    embed = train_refusal.encoder(pathlib.Path(args.model_dir))
    for path in args.cases.split(","):
        cases = typed_cases(pathlib.Path(path))
        texts = [c["text"] for c in cases]
        harmful = np.array([c["expected"] == "REFUSE" for c in cases], dtype=bool)
        x, grams = embed(texts), train_refusal.Ngrams.of(texts)
        decisions = {p: refused(train_refusal.score(x, grams, h), thresholds) for p, h in heads.items()}
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
