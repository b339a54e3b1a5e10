"""The Locust load test runs headless against the real stack, and its SLO gate fails a run that
breaks the SLO."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from services.cli.stack import ROOT


def run_locust(target: str, out, p99_ms: str, max_errors: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, SCREENING_LOADTEST_STAGES="8:2:2", SCREENING_LOADTEST_SLO_P99_MS=p99_ms,
               SCREENING_LOADTEST_MAX_ERRORS=max_errors, SCREENING_LOADTEST_SLO_CLASS="batch")
    return subprocess.run(
        [sys.executable, "-m", "locust", "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless",
         "--host", target, "--html", str(out / "report.html"), "--csv", str(out / "stats"), "--only-summary"],
        capture_output=True, text=True, timeout=180, env=env)


def test_locust_run_passes_a_loose_slo_and_writes_reports(target, tmp_path):
    run = run_locust(target, tmp_path, p99_ms="60000", max_errors="0.2")
    assert run.returncode == 0, run.stderr[-2000:]
    assert "SLO gate: PASS" in run.stderr
    assert (tmp_path / "report.html").exists() and (tmp_path / "stats_stats.csv").exists()
    assert "invalid input" in (tmp_path / "stats_stats.csv").read_text()


def test_slo_gate_fails_a_deliberately_tight_slo(target, tmp_path):
    run = run_locust(target, tmp_path, p99_ms="1", max_errors="0.2")
    assert run.returncode == 1
    assert "SLO gate: FAIL" in run.stderr


def test_kafka_hop_probe_measures_the_real_broker_and_cleans_up(kafka_bootstrap):
    run = subprocess.run([sys.executable, str(ROOT / "loadtest" / "kafka_hop.py"), "--messages", "20",
                          "--interval-ms", "5"], capture_output=True, text=True, timeout=120, env=dict(os.environ))
    assert run.returncode == 0, run.stderr[-2000:]
    assert "send -> consumed (20/20 records)" in run.stdout
    from kafka import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=[kafka_bootstrap])
    try:
        deadline = time.monotonic() + 15  # the broker deletes a topic asynchronously
        while [t for t in admin.list_topics() if t.startswith("screening.hop-probe")] and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not [t for t in admin.list_topics() if t.startswith("screening.hop-probe")]
    finally:
        admin.close()
