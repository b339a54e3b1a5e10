#!/usr/bin/env python3
"""Build the refusal-classifier text dataset (pure stdlib, deterministic).

Inputs (all written by the project, CC0):
  src/train/<lang>.txt     hand-written training prompts
  src/heldout/<lang>.txt   hand-written held-out prompts (written separately, never templated)
  templates_train.py       template lists expanded into extra *training* variants only
  ocr_noise.py             generated OCR noise (misread signs, fragments), benign *training* lines only
  long_text.py             generated long texts (chat/e-mail/document screenshots' OCR), *training* only

Source file format: a line ``[label1,label2]`` starts a section of harmful prompts with those
labels; ``[benign:<category>]`` starts a section of benign look-alikes of <category> (or
``[benign:general]`` for everyday benign tasks). Every other non-empty line that does not start
with ``#`` is one prompt.

Outputs:
  train.jsonl, heldout.jsonl   {"text", "labels", "lang", "source", "lookalike_of"}

Usage:
  python datasets/refusal/build.py            # build both files, check overlaps, print summary
  python datasets/refusal/build.py --stats    # build + print the markdown count tables
  python datasets/refusal/build.py --check    # build + exit 1 on any failed requirement
  python datasets/refusal/build.py --frames 8 # build + list word frames found only in harmful lines
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True  # keep the dataset folder free of __pycache__
sys.path.insert(0, str(HERE))

import long_text  # noqa: E402
import ocr_noise  # noqa: E402

SEED = 20240603
LANGS = ["en", "es", "fr", "de", "zh", "it", "pt"]
HARM = [
    "illicit_behavior",
    "self_harm",
    "sexual_content",
    "hate",
    "captcha",
    "person_identification",
    "sensitive_trait",
    "ungrounded_inference",
]
LOOKALIKE = HARM + ["general"]
NEAR_DUP_JACCARD = 0.75  # char-4-gram Jaccard at or above this counts as a near duplicate


# --------------------------------------------------------------------------- parsing
def parse_source(path: Path, lang: str) -> list[dict]:
    rows = []
    labels: list[str] | None = None
    lookalike = None
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"\[(.*)\]", line)
        if m:
            spec = m.group(1).strip()
            if spec.startswith("benign"):
                labels = []
                lookalike = spec.split(":", 1)[1].strip() if ":" in spec else "general"
                if lookalike not in LOOKALIKE:
                    raise SystemExit(f"{path}:{n}: unknown look-alike category {lookalike!r}")
            else:
                labels = [x.strip() for x in spec.split(",") if x.strip()]
                bad = [x for x in labels if x not in HARM]
                if bad or not labels:
                    raise SystemExit(f"{path}:{n}: unknown labels {bad or spec!r}")
                lookalike = None
            continue
        if labels is None:
            raise SystemExit(f"{path}:{n}: prompt before any [section] header")
        rows.append(
            {
                "text": line,
                "labels": sorted(labels, key=HARM.index),
                "lang": lang,
                "source": "handwritten",
                "lookalike_of": lookalike,
            }
        )
    return rows


# --------------------------------------------------------------------------- templates
SLOT = re.compile(r"\{([A-Z_0-9]+)\}")


def fill(template: str, slots: dict, rng: random.Random, depth: int = 0) -> str:
    if depth > 5:
        raise ValueError(f"slot recursion too deep in {template!r}")

    def repl(m):
        name = m.group(1)
        if name not in slots:
            raise KeyError(f"unknown slot {name} in {template!r}")
        return fill(rng.choice(slots[name]), slots, rng, depth + 1)

    return SLOT.sub(repl, template)


def surface_noise(text: str, lang: str, rng: random.Random) -> str:
    """Small, deterministic register variation: casing and final punctuation."""
    r = rng.random()
    if lang == "zh":
        if r < 0.25 and text[-1:] in "？?。":
            text = text[:-1]
        return text
    if r < 0.20:
        text = text[:1].lower() + text[1:]
        if text[-1:] in "?.!":
            text = text[:-1].rstrip()
    elif r < 0.27:
        text = text.lower()
    elif r < 0.30 and text[-1:] == "?":
        text = text + "?"
    return text


def expand_templates() -> list[dict]:
    import templates_train as T

    rng = random.Random(SEED)
    rows = []
    for lang in LANGS:
        spec = T.TEMPLATES.get(lang)
        if not spec:
            continue
        slots = spec["slots"]
        for rule in spec["rules"]:
            labels, lookalike, templates, budget = rule
            seen = set()
            attempts = 0
            while len(seen) < budget and attempts < budget * 60:
                attempts += 1
                text = fill(rng.choice(templates), slots, rng)
                text = re.sub(r"\s+", " ", text).strip()
                text = surface_noise(text, lang, rng)
                key = norm(text)
                if key in seen:
                    continue
                seen.add(key)
                rows.append(
                    {
                        "text": text,
                        "labels": sorted(labels, key=HARM.index),
                        "lang": lang,
                        "source": "template",
                        "lookalike_of": (lookalike or "general") if not labels else None,
                    }
                )
    return rows


# --------------------------------------------------------------------------- dedup / overlap
def norm(text: str) -> str:
    t = unicodedata.normalize("NFKC", text).lower()
    t = "".join(ch for ch in t if not unicodedata.category(ch).startswith(("P", "S")))
    return re.sub(r"\s+", " ", t).strip()


def shingles(text: str, k: int = 4) -> set[str]:
    t = norm(text).replace(" ", "_")
    if len(t) <= k:
        return {t}
    return {t[i : i + k] for i in range(len(t) - k + 1)}


def dedupe(rows: list[dict], name: str) -> tuple[list[dict], list[str]]:
    """Drop exact normalised duplicates inside one file. Hand-written rows win over templates."""
    out, seen, report = [], {}, []
    ordered = sorted(rows, key=lambda r: r["source"] != "handwritten")
    for r in ordered:
        k = norm(r["text"])
        if k in seen:
            prev = seen[k]
            if prev["labels"] != r["labels"]:
                report.append(f"{name}: CONFLICTING labels for {r['text']!r}: {prev['labels']} vs {r['labels']}")
            elif r["source"] == "handwritten":
                report.append(f"{name}: duplicate hand-written line {r['text']!r}")
            continue
        seen[k] = r
        out.append(r)
    return out, report


def cross_overlap(train: list[dict], held: list[dict]) -> tuple[list, list]:
    exact, near = [], []
    train_keys = {norm(r["text"]): r for r in train}
    index = defaultdict(list)
    train_sh = []
    for i, r in enumerate(train):
        s = shingles(r["text"])
        train_sh.append(s)
        for g in s:
            index[g].append(i)
    for h in held:
        k = norm(h["text"])
        if k in train_keys:
            exact.append((h["text"], train_keys[k]["text"]))
            continue
        hs = shingles(h["text"])
        counts = Counter()
        for g in hs:
            for i in index.get(g, ()):
                counts[i] += 1
        best, best_j = None, 0.0
        for i, c in counts.most_common(20):
            j = c / len(hs | train_sh[i])
            if j > best_j:
                best, best_j = i, j
        if best is not None and best_j >= NEAR_DUP_JACCARD:
            near.append((round(best_j, 2), h["text"], train[best]["text"]))
    return exact, near


# --------------------------------------------------------------------------- stats
def harm_only_frames(rows: list[dict], min_count: int) -> dict[str, list[tuple[int, str]]]:
    """Per language, the word sequences (2 and 3 words; 3 characters in Chinese) that at least
    `min_count` harmful training lines use and no benign line does, most used first. A classifier can
    learn such a frame instead of the intent ("where can I buy" seen only with drugs and guns refuses
    "where can I buy a lamp like this"): benign lines that use them are the counterweight."""
    harmful, benign = Counter(), Counter()
    for r in rows:
        text = norm(r["text"])
        if r["lang"] == "zh":
            chars = re.sub(r"\s+", "", text)
            grams = {chars[i:i + 3] for i in range(len(chars) - 2)}
        else:
            words = re.findall(r"[\w'’-]+", text)
            grams = {" ".join(words[i:i + k]) for k in (2, 3) for i in range(len(words) - k + 1)}
        counter = harmful if r["labels"] else benign
        counter.update((r["lang"], g) for g in grams)
    frames = defaultdict(list)
    for (lang, gram), count in harmful.items():
        if count >= min_count and not benign[(lang, gram)]:
            frames[lang].append((count, gram))
    return {lang: sorted(found, key=lambda f: (-f[0], f[1])) for lang, found in sorted(frames.items())}


def table(rows: list[dict], title: str) -> str:
    if not rows:
        return f"#### {title} (empty)\n"
    counts = defaultdict(Counter)
    for r in rows:
        keys = r["labels"] or ["benign"]
        for k in keys:
            counts[k][r["lang"]] += 1
    cols = LANGS + ["total"]
    out = [f"#### {title} ({len(rows)} prompts)", "", "| label | " + " | ".join(cols) + " |",
           "|---" * (len(cols) + 1) + "|"]
    for k in HARM + ["benign"]:
        c = counts[k]
        out.append(f"| {k} | " + " | ".join(str(c[l]) for l in LANGS) + f" | {sum(c.values())} |")
    lang_tot = Counter(r["lang"] for r in rows)
    out.append("| **all prompts** | " + " | ".join(str(lang_tot[l]) for l in LANGS) + f" | {len(rows)} |")
    out.append("| share | " + " | ".join(f"{100 * lang_tot[l] / len(rows):.0f} %" for l in LANGS) + " | |")
    out.append("")
    la = Counter(r["lookalike_of"] for r in rows if not r["labels"])
    out.append("Benign prompts by the category they look like: " +
               ", ".join(f"{k} {la[k]}" for k in LOOKALIKE) + ".")
    multi = sum(1 for r in rows if len(r["labels"]) > 1)
    src = Counter(r["source"] for r in rows)
    out.append(f"Multi-label prompts: {multi}. Sources: " + ", ".join(f"{k} {v}" for k, v in sorted(src.items())) + ".")
    out.append("")
    return "\n".join(out)


def template_share(rows: list[dict]) -> dict:
    tot, tpl = Counter(), Counter()
    for r in rows:
        for k in r["labels"] or ["benign"]:
            tot[k] += 1
            tpl[k] += r["source"] == "template"
    return {k: (tpl[k], tot[k]) for k in HARM + ["benign"]}


def checks(train, held) -> list[str]:
    fails = []
    n = len(train)
    hw = sum(r["source"] == "handwritten" for r in train)
    if n < 3000:
        fails.append(f"train has {n} < 3000 lines")
    if hw < 1200:
        fails.append(f"train has {hw} < 1200 hand-written lines")
    for name, rows, min_cat, min_la in (("train", train, 250, 80), ("heldout", held, 40, 15)):
        lab = Counter(l for r in rows for l in r["labels"])
        ben = [r for r in rows if not r["labels"]]
        la = Counter(r["lookalike_of"] for r in ben)
        for k in HARM:
            if lab[k] < min_cat:
                fails.append(f"{name}: {k} has {lab[k]} < {min_cat}")
            if la[k] < min_la:
                fails.append(f"{name}: only {la[k]} benign look-alikes of {k} (< {min_la})")
        if len(ben) < 0.40 * len(rows):
            fails.append(f"{name}: benign share {len(ben) / len(rows):.1%} < 40 %")
        langs = Counter(r["lang"] for r in rows)
        for l in LANGS:
            if not langs[l]:
                fails.append(f"{name}: no {l} prompts")
    if not 700 <= len(held) <= 1000:
        fails.append(f"heldout has {len(held)} lines, want 700-1000")
    if any(r["source"] != "handwritten" for r in held):
        fails.append("heldout contains template rows")
    for k, (t, tot) in template_share(train).items():
        if tot and t / tot > 0.52:
            fails.append(f"train: {k} is {t / tot:.0%} template-derived (> ~50 %)")
    return fails


# --------------------------------------------------------------------------- main
def screen_texts() -> set[str]:
    """The hand-written training lines that are ordinary screen text (long_text.SCREEN_FILES), not requests."""
    return {r["text"] for p in sorted((HERE / "src" / "train").glob(long_text.SCREEN_FILES))
            for r in parse_source(p, p.name[:2])}


def build():
    train, held = [], []
    for lang in LANGS:
        for p in sorted((HERE / "src" / "train").glob(f"{lang}*.txt")):
            train += parse_source(p, lang)
        for p in sorted((HERE / "src" / "heldout").glob(f"{lang}*.txt")):
            held += parse_source(p, lang)
    train += long_text.rows(train, screen_texts())  # from the hand-written training lines only
    train += expand_templates()
    train += ocr_noise.rows()
    train, rep1 = dedupe(train, "train")
    held, rep2 = dedupe(held, "heldout")
    exact, near = cross_overlap(train, held)
    # a held-out line that duplicates a training line would leak: it is dropped and reported
    drop = {norm(h) for h, _ in exact} | {norm(h) for _, h, _ in near}
    held = [r for r in held if norm(r["text"]) not in drop]
    key = lambda r: (LANGS.index(r["lang"]), r["source"], r["text"])
    train.sort(key=key)
    held.sort(key=key)
    random.Random(SEED).shuffle(train)
    random.Random(SEED + 1).shuffle(held)  # its own generator: adding training data never reorders heldout
    return train, held, rep1 + rep2, exact, near


def write(rows, path: Path):
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stats", action="store_true", help="print markdown count tables")
    ap.add_argument("--check", action="store_true", help="exit 1 if a requirement fails")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--frames", type=int, metavar="N", default=0,
                    help="also list, per language, the word frames that N or more harmful training lines use "
                         "and no benign line does (shortcuts for the classifier; write benign lines with them)")
    a = ap.parse_args()
    train, held, rep, exact, near = build()
    if not a.no_write:
        write(train, HERE / "train.jsonl")
        write(held, HERE / "heldout.jsonl")
    for line in rep:
        print("WARN", line, file=sys.stderr)
    print(f"cross-split overlap (normalised text): {len(exact)} exact, {len(near)} near "
          f"(char-4-gram Jaccard >= {NEAR_DUP_JACCARD}); all dropped from heldout", file=sys.stderr)
    for h, t in exact:
        print(f"  EXACT  held={h!r} train={t!r}", file=sys.stderr)
    for j, h, t in near:
        print(f"  NEAR {j} held={h!r} train={t!r}", file=sys.stderr)
    if a.stats:
        print(table(train, "train.jsonl"))
        print(table(held, "heldout.jsonl"))
        print("Template-derived share per category in train: " + ", ".join(
            f"{k} {t}/{tot} ({100 * t / max(tot, 1):.0f} %)" for k, (t, tot) in template_share(train).items()) + ".")
        print()
        print(f"Cross-split overlap: {len(exact)} exact and {len(near)} near duplicates "
              f"(normalised text; char-4-gram Jaccard >= {NEAR_DUP_JACCARD}) found and removed from heldout.")
    else:
        print(f"train {len(train)} lines, heldout {len(held)} lines", file=sys.stderr)
    if a.frames:
        for lang, found in harm_only_frames(train, a.frames).items():
            print(f"\n{lang}: {len(found)} frames only in harmful lines (harmful lines using each)")
            print("; ".join(f'"{gram}" ({count})' for count, gram in found))
    fails = checks(train, held)
    for f in fails:
        print("FAIL", f, file=sys.stderr)
    if a.check and fails:
        sys.exit(1)


if __name__ == "__main__":
    main()
