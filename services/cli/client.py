"""The gRPC client side of the CLI: send a request, turn the decision into JSON or a few lines."""

from __future__ import annotations

import pathlib

import grpc
from google.protobuf import json_format

from screening.v1 import screening_pb2, screening_pb2_grpc, types_pb2

MAX_MESSAGE = 64 * 1024 * 1024


def channel(target: str) -> grpc.Channel:
    return grpc.insecure_channel(target, options=[("grpc.max_send_message_length", MAX_MESSAGE),
                                                  ("grpc.max_receive_message_length", MAX_MESSAGE)])


def build_request(text: str | bytes, image_paths: list[str] | None = None, images: list[bytes] | None = None,
                  tenant_id: str = "", client_request_id: str = "",
                  slo: str = "interactive") -> screening_pb2.ScreenRequest:
    payloads = list(images or [])
    for path in image_paths or []:
        payloads.append(pathlib.Path(path).read_bytes())
    return screening_pb2.ScreenRequest(
        text=text.encode("utf-8") if isinstance(text, str) else text,
        images=payloads, tenant_id=tenant_id, client_request_id=client_request_id,
        slo_class=types_pb2.BATCH if slo == "batch" else types_pb2.INTERACTIVE)


def screen(stub: screening_pb2_grpc.ScreeningServiceStub, request, timeout_s: float) -> screening_pb2.ScreenResponse:
    return stub.Screen(request, timeout=timeout_s)


def to_json(response: screening_pb2.ScreenResponse) -> dict:
    evidence = json_format.MessageToDict(response.evidence, preserving_proto_field_name=True)
    classifiers = {}
    for item in evidence.get("classifiers", []):
        name = item.pop("classifier", "?")
        classifiers[name] = item
    evidence["classifiers"] = classifiers
    return {
        "request_id": response.request_id,
        "decision": types_pb2.Outcome.Name(response.outcome),
        "categories": list(response.categories),
        "latency_ms": round(response.latency_ms, 1),
        "evidence": evidence,
    }


def summary(response: screening_pb2.ScreenResponse) -> str:
    data = to_json(response)
    lines = [f"{data['decision']}  {', '.join(data['categories']) or '-'}   "
             f"(request {data['request_id']}, {data['latency_ms']:.0f} ms)"]
    for reason in data["evidence"].get("reasons", []):
        lines.append(f"  reason: {reason}")
    for name, item in sorted(data["evidence"]["classifiers"].items()):
        scores = ", ".join(f"{k}={v:.2f}" for k, v in sorted(item.get("scores", {}).items()))
        extra = ""
        if item.get("boxes") and name == "face":
            extra = f"; {len(item['boxes'])} face box(es)"
        if item.get("lines"):
            extra = "; text: " + " | ".join(line.get("text", "") for line in item["lines"])[:200]
        if item.get("error"):
            extra = f"; error: {item['error']}"
        lines.append(f"  {name:<8} {scores}{extra}")
    if data["evidence"].get("timed_out"):
        lines.append(f"  timed out: {', '.join(data['evidence']['timed_out'])}")
    lines.append(f"  policy {data['evidence'].get('policy_version', '?')}")
    return "\n".join(lines)
