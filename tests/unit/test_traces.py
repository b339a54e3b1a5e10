"""The per-stage split of a request's end-to-end time, from spans (pure logic)."""

from __future__ import annotations

import pytest

from services.cli import traces

MS = 1_000_000


def span(name, start_ms, end_ms, trace_id="t1", request_id=None):
    attributes = {"screening.request_id": request_id} if request_id else {}
    return {"name": name, "trace_id": trace_id, "span_id": name, "start_ns": start_ms * MS,
            "end_ns": end_ms * MS, "attributes": attributes}


def request_spans(trace_id="t1", request_id="r1"):
    return [
        span("ingest.Screen", 0, 200, trace_id, request_id),
        span("kafka.publish screening.requests.v1", 2, 10, trace_id),
        span("kafka.consume screening.requests.v1", 15, 190, trace_id, request_id),
        span("workers.decode", 16, 21, trace_id),
        span("classifier.face", 30, 60, trace_id),
        span("classifier.ocr", 25, 150, trace_id),
        span("classifier.refusal", 26, 170, trace_id),
        span("decision.decide", 180, 181, trace_id, request_id),
    ]


def test_stages_are_consecutive_slices_of_the_end_to_end_time():
    result = traces.stage_breakdown(request_spans())
    assert result["end to end"] == [200.0]
    stages = {name: values[0] for name, values in result.items() if name != "end to end"}
    assert stages["ingest: validate + build event"] == 2.0
    assert stages["ingest: publish request (acks=all)"] == 8.0
    assert stages["kafka: request -> workers"] == 5.0
    assert stages["workers: decode images"] == 6.0
    assert stages["workers: dispatch to classifiers (Ray)"] == 4.0  # to the FIRST classifier to start
    assert stages["classifiers (parallel, incl. Triton)"] == 145.0  # to the LAST to end
    assert stages["verdicts -> decision"] == 10.0
    assert stages["decision -> ingest answer"] == 19.0
    assert sum(stages.values()) == pytest.approx(200.0)


def test_incomplete_traces_and_other_requests_are_left_out():
    no_classifier = [s for s in request_spans("t2", "r2") if not s["name"].startswith("classifier.")]
    spans = request_spans() + no_classifier + request_spans("t3", "r3")
    assert len(traces.stage_breakdown(spans)["end to end"]) == 2
    assert len(traces.stage_breakdown(spans, ["r3"])["end to end"]) == 1
    assert traces.stage_breakdown(spans, ["r2"])["end to end"] == []


def test_stage_table_and_percentiles():
    table = traces.stage_table(traces.stage_breakdown(request_spans()))
    assert "classifiers (parallel, incl. Triton)" in table and "72.5%" in table
    assert traces.percentile([5.0, 1.0, 3.0], 0.5) == 3.0
    assert traces.percentile([], 0.5) != traces.percentile([], 0.5)  # NaN: nothing measured


def test_latency_command_without_telemetry_says_what_to_do(tmp_path, capsys):
    assert traces.latency(tmp_path / "missing", 10, False) == 1
    assert "screening stack up" in capsys.readouterr().err
    (tmp_path / "telemetry").mkdir()
    assert traces.latency(tmp_path / "telemetry", 10, False) == 1
    assert "screen some requests first" in capsys.readouterr().err


def test_latency_reads_past_a_span_line_cut_by_a_crash(tmp_path, capsys):
    import json

    lines = [json.dumps(s) for s in request_spans()]
    (tmp_path / "spans-1.jsonl").write_text("\n".join(lines) + '\n{"name": "ingest.Scr')
    assert traces.latency(tmp_path, 0, True) == 0
    assert json.loads(capsys.readouterr().out)["end to end"]["count"] == 1


def test_latency_last_must_be_a_count():
    from services.cli import main

    with pytest.raises(SystemExit):
        main.build_parser().parse_args(["latency", "--last", "-3"])
    assert main.build_parser().parse_args(["latency", "--last", "0"]).last == 0
