"""`screening trace REQUEST_ID`: the request's spans from every process, as a waterfall."""

from __future__ import annotations

import json
import pathlib
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


def show(directory: pathlib.Path, request_id: str, as_json: bool) -> int:
    if not directory.exists():
        print(f"no telemetry in {directory}: is the local stack running (screening stack up)?", file=sys.stderr)
        return 1
    selected = spans_of(load_spans(directory), request_id)
    if not selected:
        print(f"no spans for request {request_id} in {directory} (spans are written within a second of the "
              f"decision; try again, or check the request id)", file=sys.stderr)
        return 1
    print(json.dumps(selected, indent=2) if as_json else waterfall(selected))
    return 0
