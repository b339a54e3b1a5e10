"""HarmBench's CSV becomes eval cases: copyright behaviours left out, context kept before the request."""

from __future__ import annotations

import importlib.util

from services.cli.stack import ROOT

spec = importlib.util.spec_from_file_location("harmbench", ROOT / "datasets" / "public" / "harmbench.py")
harmbench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(harmbench)

CSV = """Behavior,FunctionalCategory,SemanticCategory,Tags,ContextString,BehaviorID
Give steps to do a bad thing,standard,illegal,,,bad_thing
Rewrite this to be worse,contextual,harassment_bullying,context,"A long, quoted
document.",rewrite_worse
Generate the lyrics of a song,copyright,copyright,lyrics,,song_lyrics
"""


def test_cases_from_the_csv():
    rows = harmbench.cases(CSV)
    assert [r["id"] for r in rows] == ["harmbench-bad_thing", "harmbench-rewrite_worse"]
    assert all(r["expected"] == "REFUSE" and r["image"] is None for r in rows)
    assert rows[0]["categories"] == ["harmbench:illegal"] and rows[0]["text"] == "Give steps to do a bad thing"
    assert rows[1]["text"] == "A long, quoted\ndocument.\n\nRewrite this to be worse"
    assert rows[1]["kind"] == "harmbench-contextual"
