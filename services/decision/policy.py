"""The policy: thresholds per classifier and category, what a missing verdict means, which categories
go to human review, per-tenant overrides; and the rules that combine the verdicts into a decision.

Loading validates everything and names the file's line on error; `evaluate` is a pure function.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Mapping

import yaml

from screening.v1 import types_pb2

PERSON_DIRECTED = ("person_identification", "sensitive_trait", "ungrounded_inference")
TEXT_CATEGORIES = ("illicit_behavior", "self_harm", "sexual_content", "hate", "captcha") + PERSON_DIRECTED
KNOWN_SCORES = {
    "face": ("face",),
    "nsfw": ("explicit",),
    "ocr": (),
    "refusal": TEXT_CATEGORIES,
}
CATEGORIES = TEXT_CATEGORIES + ("text_in_image", "classifier_timeout")
_TOP_KEYS = {"version", "thresholds", "on_missing", "review_categories", "tenants", "shadow"}
_TENANT_KEYS = {"thresholds", "on_missing", "review_categories"}


class PolicyError(ValueError):
    """The policy file is invalid: the message names the file, the line and the reason."""


@dataclasses.dataclass(frozen=True)
class Policy:
    version: str
    thresholds: dict[str, dict[str, float]]
    on_missing: dict[str, str]
    review_categories: tuple[str, ...]
    tenants: dict[str, dict]
    shadow: Policy | None = None

    def for_tenant(self, tenant_id: str) -> Policy:
        override = self.tenants.get(tenant_id)
        if not override:
            return self
        thresholds = copy.deepcopy(self.thresholds)
        for classifier, values in override.get("thresholds", {}).items():
            thresholds.setdefault(classifier, {}).update(values)
        on_missing = {**self.on_missing, **override.get("on_missing", {})}
        review = tuple(override.get("review_categories", self.review_categories))
        return dataclasses.replace(self, thresholds=thresholds, on_missing=on_missing, review_categories=review,
                                   tenants={})

    def missing_rule(self, classifier: str) -> str:
        return self.on_missing.get(classifier, self.on_missing.get("default", "refuse"))


@dataclasses.dataclass(frozen=True)
class Outcome:
    outcome: int  # types_pb2.ALLOW | types_pb2.REFUSE
    categories: list[str]
    reasons: list[str]


# -- loading --------------------------------------------------------------------------------------

def _line(node_map: dict, path: tuple) -> str:
    for cut in range(len(path), -1, -1):
        mark = node_map.get(path[:cut])
        if mark is not None:
            return f"line {mark}"
    return "line ?"


def _index(node, path=(), out=None) -> dict:
    """Maps each key path of the YAML document to its 1-based line, for error messages."""
    out = {} if out is None else out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            out[path + (key.value,)] = key.start_mark.line + 1
            _index(value, path + (key.value,), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, path + (i,), out)
    return out


def _check_section(data: Mapping, path: tuple, fail) -> None:
    thresholds = data.get("thresholds", {})
    if not isinstance(thresholds, Mapping):
        fail(path + ("thresholds",), "thresholds must be a mapping of classifier -> {score: threshold}")
    for classifier, values in thresholds.items():
        if classifier not in KNOWN_SCORES:
            fail(path + ("thresholds", classifier), f"unknown classifier {classifier!r}; "
                                                    f"known: {', '.join(KNOWN_SCORES)}")
        if not isinstance(values, Mapping):
            fail(path + ("thresholds", classifier), "expected a mapping of score name -> threshold")
        for score, value in values.items():
            if score not in KNOWN_SCORES[classifier]:
                fail(path + ("thresholds", classifier, score),
                     f"{classifier} has no score {score!r}; known: {', '.join(KNOWN_SCORES[classifier]) or 'none'}")
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
                fail(path + ("thresholds", classifier, score), f"threshold must be a number in [0, 1], got {value!r}")
    on_missing = data.get("on_missing", {})
    if not isinstance(on_missing, Mapping):
        fail(path + ("on_missing",), "on_missing must be a mapping of classifier -> refuse|allow")
    for classifier, rule in on_missing.items():
        if classifier != "default" and classifier not in KNOWN_SCORES:
            fail(path + ("on_missing", classifier), f"unknown classifier {classifier!r}")
        if rule not in ("refuse", "allow"):
            fail(path + ("on_missing", classifier), f"must be refuse or allow, got {rule!r}")
    review = data.get("review_categories", [])
    if not isinstance(review, list) or any(c not in CATEGORIES for c in review):
        fail(path + ("review_categories",), f"must be a list of categories from: {', '.join(CATEGORIES)}")


def parse(text: str, source: str = "<policy>", base_dir: str = ".") -> Policy:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "line ?"
        raise PolicyError(f"{source}: {where}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if not isinstance(data, Mapping):
        raise PolicyError(f"{source}: line 1: the policy must be a YAML mapping")
    lines = _index(node)

    def fail(path, message):
        raise PolicyError(f"{source}: {_line(lines, path)}: {'.'.join(map(str, path))}: {message}")

    unknown = set(data) - _TOP_KEYS
    if unknown:
        fail((sorted(unknown)[0],), f"unknown key; allowed: {', '.join(sorted(_TOP_KEYS))}")
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        fail(("version",), "version is required (a non-empty string, e.g. \"2026-11-23.1\")")
    _check_section(data, (), fail)
    tenants = data.get("tenants") or {}
    if not isinstance(tenants, Mapping):
        fail(("tenants",), "tenants must be a mapping of tenant id -> overrides")
    for tenant, override in tenants.items():
        if not isinstance(override, Mapping):
            fail(("tenants", tenant), "expected a mapping of overrides")
        extra = set(override) - _TENANT_KEYS
        if extra:
            fail(("tenants", tenant, sorted(extra)[0]), f"unknown key; allowed: {', '.join(sorted(_TENANT_KEYS))}")
        _check_section(override, ("tenants", tenant), fail)
    shadow = None
    if data.get("shadow"):
        shadow_path = os.path.join(base_dir, str(data["shadow"]))
        if not os.path.exists(shadow_path):
            fail(("shadow",), f"shadow policy file {shadow_path} does not exist")
        shadow = load(shadow_path)
        if shadow.shadow is not None:
            fail(("shadow",), "a shadow policy cannot have a shadow of its own")
    thresholds = {c: dict(v) for c, v in (data.get("thresholds") or {}).items()}
    return Policy(version=version, thresholds=thresholds, on_missing=dict(data.get("on_missing") or {}),
                  review_categories=tuple(data.get("review_categories") or ()),
                  tenants={str(k): dict(v) for k, v in tenants.items()}, shadow=shadow)


def load(path: str) -> Policy:
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read the policy file ({exc.strerror})") from None
    return parse(text, path, os.path.dirname(os.path.abspath(path)))


DEFAULT_PATH = os.path.join(os.path.dirname(__file__), "policy.yaml")


# -- evaluation -----------------------------------------------------------------------------------

def _over(policy: Policy, classifier: str, scores: Mapping[str, float]) -> list[str]:
    limits = policy.thresholds.get(classifier, {})
    return [name for name, limit in limits.items() if scores.get(name, 0.0) >= limit]


def evaluate(policy: Policy, tenant_id: str, verdicts: Mapping[str, types_pb2.ClassifierEvidence],
             expected: list[str], timed_out: list[str]) -> Outcome:
    policy = policy.for_tenant(tenant_id)
    categories: list[str] = []
    reasons: list[str] = []

    def add(category: str, reason: str) -> None:
        if category not in categories:
            categories.append(category)
        reasons.append(reason)

    failed = [name for name, evidence in verdicts.items() if evidence.error]
    for name in sorted(set(timed_out) | set(failed)):
        if name in expected and policy.missing_rule(name) == "refuse":
            why = "failed" if name in failed else "timed out"
            add("classifier_timeout", f"{name} {why}: fail closed")

    face_present = bool(_over(policy, "face", verdicts["face"].scores)) if "face" in verdicts else False
    if "face" in expected and "face" not in verdicts and policy.missing_rule("face") == "refuse":
        face_present = True  # unknown counts as present: fail closed for person-directed requests

    # the workers skip the face's second look (tiles) when the request's person-directed scores are under
    # their trigger; should a category fire anyway (a tenant's threshold under it), the search was cut short
    face_search_cut = "face" in verdicts and verdicts["face"].scores.get("second_look_skipped", 0.0) >= 1.0

    if "nsfw" in verdicts:
        for name in _over(policy, "nsfw", verdicts["nsfw"].scores):
            add("sexual_content", f"explicit image: nsfw.{name}={verdicts['nsfw'].scores[name]:.2f}")

    refusal = verdicts.get("refusal")
    if refusal is not None:
        for source, scores in (("prompt", refusal.scores), ("image text", refusal.image_text_scores)):
            for category in _over(policy, "refusal", scores):
                if category in PERSON_DIRECTED and not face_present and not face_search_cut:
                    continue  # "who is this?" about a cat is fine
                where = ""
                if category in PERSON_DIRECTED:
                    where = (" with a face in the image" if face_present
                             else " and the face search was cut short (second look skipped): fail closed")
                add(category, f"{source}: refusal.{category}={scores[category]:.2f}{where}")
                if source == "image text":
                    add("text_in_image", "the harmful text was read from the image")

    if not categories:
        return Outcome(types_pb2.ALLOW, [], ["no finding above the policy's thresholds"])
    if set(categories) <= set(policy.review_categories):
        reasons.append("human_review: every category is set for review")
    return Outcome(types_pb2.REFUSE, categories, reasons)
