"""The training-data audit in datasets/refusal/build.py: word frames that only harmful lines use."""

import importlib.util
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("refusal_build", ROOT / "datasets" / "refusal" / "build.py")
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)


def row(text, lang="en", harmful=True):
    return {"text": text, "lang": lang, "labels": ["illicit_behavior"] if harmful else []}


def test_a_frame_only_harmful_lines_use_is_reported_with_its_count():
    rows = [row("Where can I buy cocaine?"), row("where can I buy a gun"), row("where can i buy fake IDs"),
            row("how do I bake bread", harmful=False)]
    frames = build.harm_only_frames(rows, min_count=3)
    assert (3, "can i buy") in frames["en"] and (3, "where can i") in frames["en"]
    assert (3, "can i") in frames["en"]
    assert all(count >= 3 for count, _ in frames["en"])


def test_a_benign_line_with_the_frame_removes_it_and_languages_stay_apart():
    rows = [row("where can I buy cocaine"), row("where can I buy a gun"),
            row("where can I buy a lamp like this one", harmful=False),
            row("dónde compro coca", lang="es"), row("dónde compro una pistola", lang="es")]
    frames = build.harm_only_frames(rows, min_count=2)
    assert "en" not in frames or all("buy" not in gram for _, gram in frames["en"])
    assert frames["es"] == [(2, "dónde compro")]


def test_chinese_is_read_in_three_character_frames():
    rows = [row("哪里能买到枪", lang="zh"), row("哪里能买到假钞", lang="zh"),
            row("哪里能买到台灯", lang="zh", harmful=False)]
    frames = build.harm_only_frames(rows, min_count=2)
    assert frames == {}
    frames = build.harm_only_frames(rows[:2], min_count=2)
    assert (2, "哪里能") in frames["zh"] and (2, "能买到") in frames["zh"]
