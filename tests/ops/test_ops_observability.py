"""The dashboards and alert rules refer only to the service's metrics, and every alert has a runbook entry."""

from __future__ import annotations

import json
import pathlib
import re

import yaml

OPS = pathlib.Path(__file__).resolve().parents[2] / "ops" / "k8s"
# The OpenTelemetry metric names (services) as the collector's Prometheus exporter publishes them.
METRICS = {
    "screening.ingest.requests": {"screening_ingest_requests_total"},
    "screening.e2e.latency": {"screening_e2e_latency_milliseconds_bucket", "screening_e2e_latency_milliseconds_count",
                              "screening_e2e_latency_milliseconds_sum"},
    "screening.stage.latency": {"screening_stage_latency_milliseconds_bucket"},
    "screening.verdict.timeouts": {"screening_verdict_timeouts_total"},
    "screening.consumer.lag": {"screening_consumer_lag"},
}
KNOWN = set().union(*METRICS.values())
METRIC_NAME = re.compile(r"\b(screening_[a-z_]+)\b")


def _rules():
    return yaml.safe_load((OPS / "alerts" / "screening-slo.rules.yaml").read_text())


def _anchors(markdown: str) -> set[str]:
    return {re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
            for line in markdown.splitlines() if line.startswith("#")}


def test_alert_rules_are_well_formed_and_documented():
    runbook = _anchors((OPS / "RUNBOOK.md").read_text())
    recorded = set()
    alerts = 0
    for group in _rules()["groups"]:
        assert group["name"] and group["rules"]
        for rule in group["rules"]:
            assert rule["expr"].strip()
            if "record" in rule:
                assert re.fullmatch(r"[a-z_]+:[a-z0-9_]+:[a-z0-9_]+", rule["record"]), rule["record"]
                recorded.add(rule["record"])
                continue
            alerts += 1
            assert rule["labels"]["severity"] in ("page", "ticket")
            anchor = rule["annotations"]["runbook_url"].split("#", 1)[1]
            assert anchor in runbook, f"{rule['alert']}: RUNBOOK.md has no section #{anchor}"
    assert alerts >= 5
    for group in _rules()["groups"]:
        for rule in group["rules"]:
            for name in re.findall(r"\bscreening:[a-z0-9_]+:[a-z0-9_]+\b", rule["expr"]):
                assert name in recorded, f"{name} is used but never recorded"


def test_expressions_use_only_the_service_metrics():
    texts = [rule["expr"] for group in _rules()["groups"] for rule in group["rules"]]
    dashboard = json.loads((OPS / "dashboards" / "screening-overview.json").read_text())
    texts += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    used = {m for text in texts for m in METRIC_NAME.findall(text)}
    assert used - KNOWN == set()
    # each of the five metrics appears on the dashboard
    dashboard_text = json.dumps(dashboard)
    for otel_name, prom_names in METRICS.items():
        assert any(n in dashboard_text for n in prom_names), f"{otel_name} is not on the dashboard"


def test_dashboard_is_importable():
    dashboard = json.loads((OPS / "dashboards" / "screening-overview.json").read_text())
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert dashboard["uid"] and dashboard["title"]
    assert {v["name"] for v in dashboard["templating"]["list"]} >= {"datasource", "namespace"}
    for panel in dashboard["panels"]:
        assert panel["datasource"]["uid"] == "${datasource}"
        assert all(target["expr"] for target in panel["targets"])
