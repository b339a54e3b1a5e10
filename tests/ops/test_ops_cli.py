from __future__ import annotations

import io
import json
import subprocess
import sys

from ops.k8s import cli, cluster
from ops.k8s.rollout import ScreenResult

NO_LAG = {"lag": lambda servers: [cluster.ConsumerLag("screening-decision", "screening.verdicts.v1", 3, 12)]}


def run(argv, api, screen=None):
    out = io.StringIO()
    code = cli.main(argv, out=out, api_client=api, screen=screen)
    return code, out.getvalue()


def test_help_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "ops.k8s", "--help"], capture_output=True, text=True, check=True)
    assert "verify-rollout" in result.stdout and "status" in result.stdout


def test_status_report_of_a_healthy_release(recorded_api):
    api, _ = recorded_api("healthy")
    report = cli.collect_status(cluster.Cluster(api, "screening", "screening"), None, **NO_LAG)
    assert report["healthy"], report["problems"]
    assert report["rayservice"]["applications"] == {"screening": "RUNNING"}
    assert [m["name"] for m in report["triton_models"]] == ["face_detector", "nsfw_classifier"]
    assert report["consumer_lag"][0]["lag"] == 3
    out = io.StringIO()
    cli.format_status(report, out)
    assert "RayService/screening-workers" in out.getvalue() and out.getvalue().endswith("healthy\n")


def test_status_names_every_problem(recorded_api):
    api, _ = recorded_api("rolling")
    report = cli.collect_status(cluster.Cluster(api, "screening", "screening"), "kafka:9092", **NO_LAG)
    assert not report["healthy"]
    assert any("screening-triton 0/1 ready" in p for p in report["problems"])
    assert any("nsfw_classifier UNAVAILABLE" in p for p in report["problems"])


def test_status_json_exit_code(recorded_api, monkeypatch):
    monkeypatch.setattr(cli.cluster_module, "consumer_lag", lambda servers, **kw: [])
    api, _ = recorded_api("rolling")
    code, out = run(["status", "--json", "--kafka-bootstrap", "kafka:9092"], api)
    assert code == 1
    assert json.loads(out)["healthy"] is False


def test_verify_rollout_passes(recorded_api):
    api, _ = recorded_api("healthy")
    code, out = run(["verify-rollout", "--timeout", "0", "--rounds", "1"], api,
                    screen=lambda canary, timeout: ScreenResult("ALLOW"))
    assert code == cli.EXIT_OK, out
    assert "SLO met" in out


def test_verify_rollout_fails_on_an_incomplete_rollout(recorded_api):
    api, _ = recorded_api("rolling")
    code, out = run(["verify-rollout", "--timeout", "0"], api, screen=lambda canary, timeout: ScreenResult("ALLOW"))
    assert code == cli.EXIT_ROLLOUT
    assert "Deployment/screening-ingest: 1/2 updated" in out
    assert "RayService/screening-workers" in out and "upgrade in progress" in out


def test_verify_rollout_fails_when_canaries_break_the_slo(recorded_api):
    api, _ = recorded_api("plain-workers")

    def unavailable(canary, timeout):
        raise ConnectionError("ingest unavailable")

    code, out = run(["verify-rollout", "--timeout", "0", "--rounds", "1"], api, screen=unavailable)
    assert code == cli.EXIT_SLO
    assert "SLO BROKEN" in out and "ingest unavailable" in out
