"""The policy: validation with line numbers, and the rules that combine verdicts."""

import pytest

from screening.v1 import types_pb2
from services.decision import policy

VALID = """\
version: "t1"
thresholds:
  face: {face: 0.5}
  nsfw: {explicit: 0.5}
  refusal: {illicit_behavior: 0.5, person_identification: 0.5, sensitive_trait: 0.5, hate: 0.5}
on_missing:
  default: refuse
  ocr: allow
tenants:
  lenient:
    thresholds:
      refusal: {illicit_behavior: 0.95}
"""


def ev(name, **scores):
    return types_pb2.ClassifierEvidence(classifier=name, scores=scores)


def decide(verdicts, expected=None, timed_out=(), tenant="t", text_scores=None, source=VALID):
    pol = policy.parse(source)
    verdicts = {v.classifier: v for v in verdicts}
    if text_scores and "refusal" in verdicts:
        verdicts["refusal"].image_text_scores.update(text_scores)
    return policy.evaluate(pol, tenant, verdicts, list(expected or verdicts), list(timed_out))


def test_default_policy_file_is_valid():
    assert policy.load(policy.DEFAULT_PATH).version


def test_benign_is_allowed():
    out = decide([ev("face", face=0.1), ev("nsfw", explicit=0.02), ev("refusal", illicit_behavior=0.1)])
    assert out.outcome == types_pb2.ALLOW and out.categories == []


def test_person_directed_request_refused_only_with_a_face():
    with_face = decide([ev("face", face=0.9), ev("refusal", person_identification=0.8)])
    assert with_face.outcome == types_pb2.REFUSE and with_face.categories == ["person_identification"]
    about_a_cat = decide([ev("face", face=0.1), ev("refusal", person_identification=0.8)])
    assert about_a_cat.outcome == types_pb2.ALLOW
    text_only = decide([ev("refusal", person_identification=0.8)])
    assert text_only.outcome == types_pb2.ALLOW


def test_explicit_image_refused_whatever_the_text():
    out = decide([ev("nsfw", explicit=0.9), ev("refusal")])
    assert out.categories == ["sexual_content"]


def test_harmful_text_in_image_is_refused_like_typed_text():
    out = decide([ev("refusal", illicit_behavior=0.1)], text_scores={"illicit_behavior": 0.9})
    assert out.outcome == types_pb2.REFUSE
    assert out.categories == ["illicit_behavior", "text_in_image"]


def test_missing_verdict_fails_closed_unless_the_policy_says_allow():
    out = decide([ev("face", face=0.0)], expected=["face", "refusal"], timed_out=["refusal"])
    assert out.outcome == types_pb2.REFUSE and out.categories == ["classifier_timeout"]
    assert "refusal timed out" in out.reasons[0]
    allowed = decide([ev("face", face=0.0)], expected=["face", "ocr"], timed_out=["ocr"])
    assert allowed.outcome == types_pb2.ALLOW


def test_classifier_error_counts_as_missing():
    failed = types_pb2.ClassifierEvidence(classifier="refusal", error="boom")
    out = decide([failed])
    assert out.categories == ["classifier_timeout"] and "refusal failed" in out.reasons[0]


def test_tenant_override():
    assert decide([ev("refusal", illicit_behavior=0.8)]).outcome == types_pb2.REFUSE
    assert decide([ev("refusal", illicit_behavior=0.8)], tenant="lenient").outcome == types_pb2.ALLOW


@pytest.mark.parametrize("source, line, words", [
    ("version: t\nthresholds:\n  face: {face: 1.5}\n", 3, "threshold must be a number in [0, 1]"),
    ("version: t\nthresholds:\n  nsfw:\n    explicitt: 0.5\n", 4, "nsfw has no score 'explicitt'"),
    ("version: t\nthresholds:\n  eyes: {a: 1}\n", 3, "unknown classifier 'eyes'"),
    ("version: t\non_missing:\n  face: maybe\n", 3, "must be refuse or allow"),
    ("thresholds: {}\n", 1, "version is required"),
    ("version: t\ncolour: red\n", 2, "unknown key"),
    ("version: t\ntenants:\n  a:\n    limits: {}\n", 4, "unknown key"),
    ("version: t\nthresholds: [1, 2\n", 3, "not valid YAML"),
    ("version: t\nreview_categories: [nonsense]\n", 2, "must be a list of categories"),
])
def test_invalid_policies_are_rejected_with_line_and_reason(source, line, words):
    with pytest.raises(policy.PolicyError) as info:
        policy.parse(source, "p.yaml")
    message = str(info.value)
    assert message.startswith(f"p.yaml: line {line}:"), message
    assert words in message


def test_shadow_policy_is_evaluated_beside(tmp_path):
    (tmp_path / "strict.yaml").write_text('version: "strict"\nthresholds:\n  refusal: {hate: 0.1}\n')
    main = tmp_path / "main.yaml"
    main.write_text(VALID + "shadow: strict.yaml\n")
    loaded = policy.load(str(main))
    assert loaded.shadow.version == "strict"
    verdicts = {"refusal": ev("refusal", hate=0.3)}
    assert policy.evaluate(loaded, "t", verdicts, ["refusal"], []).outcome == types_pb2.ALLOW
    assert policy.evaluate(loaded.shadow, "t", verdicts, ["refusal"], []).outcome == types_pb2.REFUSE


def test_a_person_directed_request_fails_closed_when_the_face_search_was_cut_short():
    """The workers skip the face's second look when the request's person-directed scores are under their
    trigger; a tenant whose threshold is lower than that must not get an ALLOW from the unfinished search."""
    cut = ev("face", face=0.1, second_look_skipped=1.0)
    out = decide([cut, ev("refusal", person_identification=0.8)])
    assert out.outcome == types_pb2.REFUSE and out.categories == ["person_identification"]
    assert "cut short" in out.reasons[0]
    assert decide([cut, ev("refusal", person_identification=0.1)]).outcome == types_pb2.ALLOW
    assert decide([cut, ev("refusal", illicit_behavior=0.1)]).outcome == types_pb2.ALLOW
