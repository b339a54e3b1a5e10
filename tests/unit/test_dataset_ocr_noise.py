"""The generated OCR-noise training lines (datasets/refusal/ocr_noise.py): benign, deterministic, and never
a harmful word taught as benign."""

import importlib.util
import json
import pathlib
import random

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("ocr_noise", ROOT / "datasets" / "refusal" / "ocr_noise.py")
ocr_noise = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ocr_noise)


def test_noise_lines_are_benign_deterministic_and_of_every_kind():
    rows = ocr_noise.rows()
    assert rows == ocr_noise.rows()
    assert len(rows) == sum(ocr_noise.COUNTS.values())
    assert all(r["labels"] == [] and r["source"] == "generated" and r["lookalike_of"] == "general" for r in rows)
    assert len({r["text"].lower() for r in rows}) == len(rows)
    assert {r["lang"] for r in rows} >= {"en", "es", "fr", "de", "zh"}
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in r["text"]) for r in rows)


def test_no_noise_line_contains_a_stop_word():
    assert not [r["text"] for r in ocr_noise.rows() if any(w in r["text"].lower() for w in ocr_noise.STOP)]
    assert not ocr_noise._clean("PR1NTER kill z") and not ocr_noise._clean("平长杀") and ocr_noise._clean("PRINIER")


def test_misreading_changes_a_word_the_way_ocr_does():
    rng = random.Random(3)
    misread = [ocr_noise._misread_word("entrance", rng) for _ in range(50)]
    assert sum(m != "entrance" for m in misread) >= 45
    assert all(abs(len(m) - len("entrance")) <= 3 for m in misread)


def test_the_training_file_holds_the_noise_lines():
    texts = {json.loads(line)["text"] for line in open(ROOT / "datasets" / "refusal" / "train.jsonl", encoding="utf-8")}
    generated = [r["text"] for r in ocr_noise.rows()]
    assert sum(text in texts for text in generated) >= 0.99 * len(generated)  # a few equal a hand-written line
