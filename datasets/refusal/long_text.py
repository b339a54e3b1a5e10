"""Long text: the many-line texts OCR reads off chat, e-mail and document screenshots, as training rows.

The refusal head scores an image's whole text and its sentence windows (services/workers/classifiers/
refusal.py: segments; 300 characters when these rows were first made, 150 wide since), but every
hand-written training line is a single request of at most 300 characters, nearly all under 200. Read off a long screenshot of an ordinary
chat, ten benign lines in one window scored up to 0.62 illicit behaviour or 0.55 self-harm, so a phone
screenshot of friends planning a games night was refused. These rows show the head long texts: benign
ones made of many benign lines, and harmful ones where one harmful request sits among benign lines
(labelled with that request's labels), so a long text is judged by what it asks, not by its length.

Generated, deterministic (its own random.Random), training only: built from the hand-written TRAINING
lines that build.py passes in (never held-out lines), each row from lines of one language. Its benign
lines are mostly ordinary screen text (round 30, `src/train/<lang>_r30.txt`: chat messages, notes,
e-mail and news lines, app text; round 31, `<lang>_r31.txt`: the same with alarming words, news of
crimes and wars, medicine leaflets, idioms; SCREEN_SHARE of the lines where a language has them) and
otherwise benign requests. Two shapes, as the served code scores them: a sentence window (lines joined
by spaces, WINDOW_CHARS wide at most, a CJK character counting WIDE_WIDTH) and a whole page (lines
joined by newlines, wider).
"""

from __future__ import annotations

import random
import unicodedata

SEED = 20261125
SCREEN_FILES = "*_r3[01].txt"  # under src/train: the hand-written ordinary screen text (rounds 30, 31)
WINDOW_CHARS = 150  # as services/workers/classifiers/refusal.py, and measured as it measures (`width`)
WIDE_WIDTH = 2.5
COUNTS = {("window", False): 1600, ("page", False): 600, ("window", True): 700, ("page", True): 300}
SCREEN_SHARE = 0.8
LENGTHS = {"window": (60, WINDOW_CHARS), "page": (WINDOW_CHARS + 1, 1500)}
LANG_WEIGHTS = {"en": 30, "es": 14, "fr": 14, "de": 14, "zh": 14, "it": 7, "pt": 7}


def width(text: str) -> float:
    """A text's length as the served code's windows measure it (refusal.width): a wide (CJK) character
    counts WIDE_WIDTH."""
    wide = sum(1 for ch in text if ch > "\u10ff" and unicodedata.east_asian_width(ch) in "WF")
    return len(text) + (WIDE_WIDTH - 1) * wide


def _text(lines: list[str], shape: str) -> str:
    return ("\n" if shape == "page" else " ").join(lines)  # a window joins its sentences with spaces


def _compose(rng: random.Random, screen: list[str], requests: list[str], shape: str,
             harmful: str | None) -> str | None:
    """Benign lines (screen text, SCREEN_SHARE of them where there is any, else benign requests) drawn
    until the text reaches a length drawn for its shape; a harmful line, when given, at a random place
    among them. None when the shape's length cannot be met."""
    low, high = LENGTHS[shape]
    target = rng.randint(low, high)
    lines = [harmful] if harmful else []
    while width(_text(lines, shape)) < target:
        line = rng.choice(screen if screen and rng.random() < SCREEN_SHARE else requests)
        if width(_text(lines + [line], shape)) > high:
            break
        lines.insert(rng.randint(0, len(lines)), line)
    text = _text(lines, shape)
    if width(text) < low or len(lines) < 3:
        return None
    return text


def rows(train_rows: list[dict], screen_texts: set[str]) -> list[dict]:
    """The generated rows, from the hand-written training rows (dicts as build.parse_source gives);
    `screen_texts`: those of them that are ordinary screen text rather than requests."""
    rng = random.Random(SEED)
    pools: dict[str, dict[bool, list[dict]]] = {}
    for row in train_rows:
        if row["source"] == "handwritten":
            pools.setdefault(row["lang"], {False: [], True: []})[bool(row["labels"])].append(row)
    langs = [lang for lang in LANG_WEIGHTS if lang in pools and pools[lang][False] and pools[lang][True]]
    weights = [LANG_WEIGHTS[lang] for lang in langs]
    screen = {lang: sorted(r["text"] for r in pools[lang][False] if r["text"] in screen_texts) for lang in langs}
    requests = {lang: [r["text"] for r in pools[lang][False] if r["text"] not in screen_texts] for lang in langs}
    out, seen = [], set()
    for (shape, is_harmful), count in COUNTS.items():
        made = attempts = 0
        while made < count and attempts < count * 20:
            attempts += 1
            lang = rng.choices(langs, weights)[0]
            request = rng.choice(pools[lang][True]) if is_harmful else None
            text = _compose(rng, screen[lang], requests[lang], shape, request["text"] if request else None)
            if text is None or text in seen:
                continue
            seen.add(text)
            out.append({"text": text, "labels": list(request["labels"]) if request else [], "lang": lang,
                        "source": "generated", "lookalike_of": None if request else "general"})
            made += 1
    return out


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    import build

    hand = [r for lang in build.LANGS for p in sorted((build.HERE / "src" / "train").glob(f"{lang}*.txt"))
            for r in build.parse_source(p, lang)]
    for row in rows(hand, build.screen_texts())[::300]:
        print(row["lang"], row["labels"], repr(row["text"][:200]))
