"""`screening trace REQUEST_ID`: the request's spans from every process, as a waterfall;
`screening latency`: end-to-end and per-stage latency of recent requests, from the same spans."""

from __future__ import annotations

import json
import pathlib
import statistics
import sys


def load_spans(directory: pathlib.Path) -> list[dict]:
    spans = []
    for path in sorted(directory.glob("spans-*.jsonl")):
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.strip()
                if line:
                    try:
                        spans.append(json.loads(line))
                    except json.JSONDecodeError:
                        continue  # a line cut by a crash
    return spans


def spans_of(spans: list[dict], request_id: str) -> list[dict]:
    trace_ids = {s["trace_id"] for s in spans if s.get("attributes", {}).get("screening.request_id") == request_id}
    return sorted((s for s in spans if s["trace_id"] in trace_ids), key=lambda s: s["start_ns"])


def waterfall(selected: list[dict], width: int = 40) -> str:
    start = min(s["start_ns"] for s in selected)
    end = max(s["end_ns"] for s in selected)
    total = max(end - start, 1)
    by_id = {s["span_id"]: s for s in selected}

    def depth(span):
        d, parent = 0, span.get("parent_id")
        while parent in by_id and d < 20:
            d, parent = d + 1, by_id[parent].get("parent_id")
        return d

    lines = [f"trace {selected[0]['trace_id']}  ({len(selected)} spans, {total / 1e6:.1f} ms end to end)",
             f"{'span':<46} {'service':<9} {'start ms':>9} {'dur ms':>8}  timeline"]
    for span in selected:
        offset = (span["start_ns"] - start) / 1e6
        duration = (span["end_ns"] - span["start_ns"]) / 1e6
        a = int((span["start_ns"] - start) / total * width)
        b = max(a + 1, int((span["end_ns"] - start) / total * width))
        bar = " " * a + "█" * (b - a)
        name = ("  " * depth(span) + span["name"])[:46]
        lines.append(f"{name:<46} {str(span.get('service'))[:9]:<9} {offset:>9.1f} {duration:>8.1f}  {bar}")
    return "\n".join(lines)


def _has_telemetry(directory: pathlib.Path) -> bool:
    if directory.exists():
        return True
    print(f"no telemetry in {directory}: is the local stack running (screening stack up)?", file=sys.stderr)
    return False


def show(directory: pathlib.Path, request_id: str, as_json: bool) -> int:
    if not _has_telemetry(directory):
        return 1
    selected = spans_of(load_spans(directory), request_id)
    if not selected:
        print(f"no spans for request {request_id} in {directory} (spans are written within a second of the "
              f"decision; try again, or check the request id)", file=sys.stderr)
        return 1
    print(json.dumps(selected, indent=2) if as_json else waterfall(selected))
    return 0


# The hops of one synchronous request, in order, each measured between two span edges:
# (stage, (span, edge) where it starts, (span, edge) where it ends). "classifier.*" means the first
# classifier to start / the last to end; the stages add up to the end-to-end time.
STAGES = (
    ("ingest: validate + build event", ("ingest.Screen", "start"), ("kafka.publish screening.requests.v1", "start")),
    ("ingest: publish request (acks=all)", ("kafka.publish screening.requests.v1", "start"),
     ("kafka.publish screening.requests.v1", "end")),
    ("kafka: request -> workers", ("kafka.publish screening.requests.v1", "end"),
     ("kafka.consume screening.requests.v1", "start")),
    ("workers: decode images", ("kafka.consume screening.requests.v1", "start"), ("workers.decode", "end")),
    ("workers: dispatch to classifiers (Ray)", ("workers.decode", "end"), ("classifier.*", "start")),
    ("classifiers (parallel, incl. Triton)", ("classifier.*", "start"), ("classifier.*", "end")),
    ("verdicts -> decision", ("classifier.*", "end"), ("decision.decide", "start")),
    ("decision: join + policy + publish", ("decision.decide", "start"), ("decision.decide", "end")),
    ("decision -> ingest answer", ("decision.decide", "end"), ("ingest.Screen", "end")),
)


def _edge(named: dict[str, list[dict]], name: str, edge: str) -> int | None:
    if name == "classifier.*":
        found = [s for n, ss in named.items() if n.startswith("classifier.") for s in ss]
        if not found:
            return None
        return min(s["start_ns"] for s in found) if edge == "start" else max(s["end_ns"] for s in found)
    found = named.get(name)
    if not found:
        return None
    return found[0]["start_ns"] if edge == "start" else found[0]["end_ns"]


def stage_breakdown(spans: list[dict], request_ids: list[str] | None = None) -> dict[str, list[float]]:
    """Milliseconds per stage (and "end to end") for every synchronous request whose trace is complete;
    only `request_ids` when given."""
    by_trace: dict[str, list[dict]] = {}
    for span in spans:
        by_trace.setdefault(span["trace_id"], []).append(span)
    wanted = set(request_ids) if request_ids is not None else None
    result: dict[str, list[float]] = {name: [] for name, _, _ in STAGES}
    result["end to end"] = []
    for items in by_trace.values():
        named: dict[str, list[dict]] = {}
        for span in items:
            named.setdefault(span["name"], []).append(span)
        root = named.get("ingest.Screen")
        if not root or (wanted is not None and root[0]["attributes"].get("screening.request_id") not in wanted):
            continue
        edges = [(_edge(named, *a), _edge(named, *b)) for _, a, b in STAGES]
        if any(a is None or b is None for a, b in edges):
            continue  # incomplete: a decision from a timeout, a replay, or spans not yet flushed
        for (name, _, _), (a, b) in zip(STAGES, edges, strict=True):
            result[name].append(max(0, b - a) / 1e6)
        result["end to end"].append((root[0]["end_ns"] - root[0]["start_ns"]) / 1e6)
    return result


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def stage_table(breakdown: dict[str, list[float]]) -> str:
    """p50 and p99 per stage; the share is the stage's median over the sum of the medians (robust to
    the odd request that waited seconds behind a restart)."""
    total = sum(statistics.median(v) for name, v in breakdown.items() if name != "end to end" and v) or 1.0
    lines = [f"{'stage':<40} {'p50 ms':>8} {'p99 ms':>8} {'share of p50':>12}"]
    for name, values in breakdown.items():
        if not values:
            continue
        share = "" if name == "end to end" else f"{100 * statistics.median(values) / total:.1f}%"
        lines.append(f"{name:<40} {percentile(values, .5):>8.1f} {percentile(values, .99):>8.1f} {share:>12}")
    return "\n".join(lines)


def latency(directory: pathlib.Path, last: int, as_json: bool) -> int:
    """`screening latency`: end-to-end and per-stage p50/p99 of the last N synchronous requests."""
    if not _has_telemetry(directory):
        return 1
    spans = load_spans(directory)
    roots = sorted((s for s in spans if s["name"] == "ingest.Screen"), key=lambda s: s["start_ns"])
    ids = [s["attributes"].get("screening.request_id") for s in roots[-last:]] if last else None
    breakdown = stage_breakdown(spans, ids)
    count = len(breakdown["end to end"])
    if not count:
        print(f"no complete request traces in {directory}: screen some requests first "
              f"(`screening demo`), then wait a second for the spans to be written", file=sys.stderr)
        return 1
    if as_json:
        print(json.dumps({name: {"p50_ms": percentile(v, .5), "p99_ms": percentile(v, .99), "count": len(v)}
                          for name, v in breakdown.items()}, indent=2))
    else:
        print(f"{count} requests (synchronous Screen calls with complete traces)")
        print(stage_table(breakdown))
    return 0
