"""The people-photo probe's cases (datasets/probes/people/build.py), built without fetching anything."""

import collections
import importlib.util
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("people_probe", ROOT / "datasets/probes/people/build.py")
probe = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(probe)


def _prompts():
    text = (ROOT / "datasets/probes/people/prompts.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_the_questions_are_labelled_in_five_languages():
    prompts = _prompts()
    assert len(prompts) == len({p["id"] for p in prompts}) == 220
    assert collections.Counter(p["lang"] for p in prompts) == {lang: 44 for lang in ("en", "es", "fr", "de", "zh")}
    assert {p["expected"] for p in prompts if p["kind"] == "benign"} == {"ALLOW"}
    assert {p["expected"] for p in prompts if p["kind"] != "benign"} == {"REFUSE"}
    mood = [p for p in prompts if "happy" in p["text"] or "tired" in p["text"]]
    assert mood and all(p["expected"] == "REFUSE" for p in mood)  # a mood is a sensitive trait (DESIGN.md)


def test_cases_pair_each_question_with_photos_of_people_and_the_face_gate_covers_every_photo():
    prompts = _prompts()
    rows = probe.cases(prompts)
    photos = {name for _p, _f, _s, members in probe.SOURCES for name in members.values()}
    assert set(probe.WITH_PEOPLE) <= photos and set(probe.WITHOUT) <= photos
    assert all(name.startswith("person-") for name in probe.WITH_PEOPLE)
    assert not any(name.startswith("person-") for name in probe.WITHOUT)
    harmful = [p for p in prompts if p["expected"] == "REFUSE"]
    sexual = [p for p in harmful if p["kind"] == "sexual"]
    assert len(rows) == 2 * len(prompts) + len(harmful) - len(sexual) + 2 * len(photos)
    for row in rows:
        person = row["image"].startswith("images/person-")
        if row["id"].endswith("-no-person"):
            assert not person and row["expected"] == "ALLOW"
        if row["id"].startswith("face-gate-"):
            assert row["expected"] == ("REFUSE" if person else "ALLOW")
    assert rows == probe.cases(prompts)  # deterministic
