"""The generated long-text training rows (datasets/refusal/long_text.py): deterministic, of the lengths the
served code scores, benign unless a harmful training line is inside, and never built from held-out lines."""

import importlib.util
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "datasets" / "refusal"))
_spec = importlib.util.spec_from_file_location("long_text", ROOT / "datasets" / "refusal" / "long_text.py")
long_text = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(long_text)

import build  # noqa: E402  (datasets/refusal/build.py)

from services.workers.classifiers import refusal  # noqa: E402


def _hand(split: str) -> list[dict]:
    return [r for lang in build.LANGS for p in sorted((build.HERE / "src" / split).glob(f"{lang}*.txt"))
            for r in build.parse_source(p, lang)]


HAND = _hand("train")
SCREEN = build.screen_texts()
ROWS = long_text.rows(HAND, SCREEN)


def test_rows_are_deterministic_and_as_many_as_asked():
    assert ROWS == long_text.rows(HAND, SCREEN)
    assert len(ROWS) == sum(long_text.COUNTS.values())
    assert len({r["text"] for r in ROWS}) == len(ROWS)
    assert {r["lang"] for r in ROWS} == set(long_text.LANG_WEIGHTS)


def test_lengths_match_what_the_served_code_scores():
    assert long_text.WINDOW_CHARS == refusal.WINDOW_CHARS
    for text in ("plain", "炸弹 and ｆｕｌｌ", "日本語のテキスト", "한국어", "émigré ß"):
        assert long_text.width(text) == refusal.width(text)
    windows = [r for r in ROWS if "\n" not in r["text"]]
    pages = [r for r in ROWS if "\n" in r["text"]]
    assert windows and pages
    assert all(refusal.width(r["text"]) <= refusal.WINDOW_CHARS for r in windows)
    assert all(refusal.width(r["text"]) > refusal.WINDOW_CHARS for r in pages)
    # a Chinese window holds as much as a Latin one (60 Chinese characters, plus spaces and digits), so a
    # request is as large a share of it as in the windows the served code scores
    zh = [len(r["text"]) for r in windows if r["lang"] == "zh"]
    assert zh and max(zh) < 100 and sorted(zh)[len(zh) // 2] <= refusal.WINDOW_CHARS / refusal.WIDE_WIDTH


def test_a_row_is_harmful_exactly_when_a_harmful_training_line_is_in_it():
    harmful = {r["text"]: r["labels"] for r in HAND if r["labels"]}
    for row in ROWS:
        if "\n" not in row["text"]:
            continue  # a page's lines are whole training lines; a window's cannot be told apart
        inside = [harmful[line] for line in row["text"].split("\n") if line in harmful]
        if row["labels"]:
            assert inside == [row["labels"]] and row["lookalike_of"] is None
        else:
            assert not inside and row["lookalike_of"] == "general"
    assert sum(bool(r["labels"]) for r in ROWS) == sum(n for (_s, h), n in long_text.COUNTS.items() if h)


def test_pages_are_mostly_ordinary_screen_text_where_a_language_has_it():
    langs = {r["lang"] for r in HAND if r["text"] in SCREEN}
    assert {"en", "es", "fr", "de", "zh"} <= langs
    pages = [r for r in ROWS if "\n" in r["text"] and r["lang"] in langs]
    lines = [line for r in pages for line in r["text"].split("\n")]
    share = sum(line in SCREEN for line in lines) / len(lines)
    assert 0.7 <= share <= 0.9  # long_text.SCREEN_SHARE, the rest benign requests (and one harmful line)


def test_no_held_out_line_is_used():
    held = {r["text"] for r in _hand("heldout")}
    used = {line for r in ROWS[::5] for line in r["text"].split("\n")}
    assert not (held & used)
    assert not [t for t in list(held)[:300] if any(t in r["text"] for r in ROWS[::5])]


def test_the_training_file_holds_the_rows():
    texts = {json.loads(line)["text"] for line in open(ROOT / "datasets" / "refusal" / "train.jsonl", encoding="utf-8")}
    assert all(r["text"] in texts for r in ROWS)
