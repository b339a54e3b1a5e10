"""services.models.compare_heads: which cases it scores, and how it turns scores into refusals."""

import json

import numpy as np
import pytest

from services.decision import policy as policy_module
from services.models import compare_heads
from services.workers.classifiers.refusal import CATEGORIES, E5_MAX_CHARS


def write(tmp_path, lines):
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_only_text_only_cases_are_scored_long_ones_too(tmp_path):
    (tmp_path / "cat.jpg").write_bytes(b"not read here")
    case = lambda text, image=None: json.dumps({"id": text[:9], "text": text, "image": image,  # noqa: E731
                                                "expected": "ALLOW"})
    path = write(tmp_path, [case("plain"), case("with a photo", "cat.jpg"), "", case("x" * (E5_MAX_CHARS + 1))])
    assert [c["text"] for c in compare_heads.typed_cases(path)] == ["plain", "x" * (E5_MAX_CHARS + 1)]


@pytest.mark.parametrize("line, message", [("{not json", "not JSON"), ('{"id": "a", "text": "b"}', "missing expected"),
                                           ('{"id": "a", "text": "b", "expected": "MAYBE"}', "ALLOW or REFUSE")])
def test_a_malformed_line_is_named_with_its_number(tmp_path, line, message):
    path = write(tmp_path, ['{"id": "ok", "text": "fine", "expected": "ALLOW"}', line])
    with pytest.raises(SystemExit, match=f"cases.jsonl:2: .*{message}"):
        compare_heads.typed_cases(path)


def test_refusals_follow_the_decision_policy_without_an_image():
    policy = policy_module.load(policy_module.DEFAULT_PATH)
    limits = policy.thresholds["refusal"]
    scores = np.zeros((3, len(CATEGORIES)))
    scores[0, CATEGORIES.index("person_identification")] = 0.99  # needs a face in an image
    scores[1, CATEGORIES.index("illicit_behavior")] = limits["illicit_behavior"]  # at the threshold: refused
    scores[2, CATEGORIES.index("hate")] = limits["hate"] - 0.01
    assert compare_heads.refused(scores, policy).tolist() == [False, True, False]


def test_a_case_scores_its_highest_string_per_category():
    scores = np.zeros((3, len(CATEGORIES)))
    scores[:, :2] = [[0.1, 0.9], [0.7, 0.2], [0.3, 0.3]]
    combined = compare_heads.case_scores(scores, [[0, 1], [2], []])
    assert combined[0][:2].tolist() == [0.7, 0.9] and combined[1][:2].tolist() == [0.3, 0.3]
    assert not combined[2].any()
