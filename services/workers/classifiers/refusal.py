"""The refusal classifier's text handling: what is sent to the model, and how scores combine.

The model (Universal Sentence Encoder multilingual + the project's trained head, one ONNX graph)
scores one string for each category. A long prompt is also scored in windows of a few sentences,
so a harmful request hidden in a benign page is not averaged away; the request's score per
category is the highest over its windows.
"""

from __future__ import annotations

import re
import unicodedata

MODEL = "refusal_classifier"
CATEGORIES = ("illicit_behavior", "self_harm", "sexual_content", "hate", "captcha",
              "person_identification", "sensitive_trait", "ungrounded_inference")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？;；])\s*|\n+")
WINDOW_CHARS = 300
MAX_SEGMENTS = 16


def normalise(text: str) -> str:
    """NFKC (full-width and ligature look-alikes folded), no control characters, single spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" or ch == "\n" else " " for ch in text)
    return re.sub(r"[ \t]+", " ", text).strip()


def segments(text: str) -> list[str]:
    """The strings scored for one text: the text itself, plus sentence windows when it is long."""
    text = normalise(text)
    if not text:
        return []
    if len(text) <= WINDOW_CHARS:
        return [text]
    out = [text[:2000]]
    window = ""
    for sentence in (s.strip() for s in _SENTENCE_END.split(text)):
        if not sentence:
            continue
        if window and len(window) + len(sentence) + 1 > WINDOW_CHARS:
            out.append(window)
            window = ""
        window = (window + " " + sentence).strip()[:WINDOW_CHARS * 2]
    if window:
        out.append(window)
    return out[:MAX_SEGMENTS]


def combine(rows) -> dict[str, float]:
    """Per-category maximum over the scored segments (rows: sequences of CATEGORIES scores)."""
    best = {name: 0.0 for name in CATEGORIES}
    for row in rows:
        for name, value in zip(CATEGORIES, row, strict=True):
            best[name] = max(best[name], float(value))
    return best
