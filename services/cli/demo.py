"""`screening demo`: screens the bundled sample requests through the running stack and prints a
table of decisions with their latency (starting the stack first if it is not running)."""

from __future__ import annotations

import time

import grpc

from screening.v1 import screening_pb2_grpc, types_pb2
from services.cli import client, samples
from services.cli.stack import StackConfig, ensure_running


def run(target: str, timeout_s: float, start_stack: bool, config: StackConfig) -> int:
    if start_stack and not ensure_running(config):
        return 1
    directory = samples.materialise(config.run_dir / "samples")
    rows, failures = [], 0
    with client.channel(target) as channel:
        stub = screening_pb2_grpc.ScreeningServiceStub(channel)
        for index, sample in enumerate(samples.SAMPLES, 1):
            print(f"[{index}/{len(samples.SAMPLES)}] screening {sample.name} ...", flush=True)
            paths = [str(directory / sample.image)] if sample.image else []
            began = time.perf_counter()
            try:
                response = client.screen(stub, client.build_request(sample.text, paths), timeout_s)
            except grpc.RpcError as exc:
                rows.append((sample, "ERROR", exc.code().name, (time.perf_counter() - began) * 1000))
                failures += 1
                continue
            rows.append((sample, types_pb2.Outcome.Name(response.outcome), ", ".join(response.categories) or "-",
                         (time.perf_counter() - began) * 1000))
    print()
    print(f"{'sample':<20} {'image':<24} {'expected':<8} {'decision':<8} {'ms':>7}  categories")
    print("-" * 100)
    agree = 0
    for sample, decision, categories, ms in rows:
        mark = "" if decision == sample.expected else "  <- differs"
        agree += decision == sample.expected
        print(f"{sample.name:<20} {sample.image or '(text only)':<24} {sample.expected:<8} {decision:<8} "
              f"{ms:>7.0f}  {categories}{mark}")
    print("-" * 100)
    print(f"{agree}/{len(rows)} decisions as expected; prompts: "
          + "; ".join(f"{s.name}: {s.text!r}" for s in samples.SAMPLES[:0]) + "see services/cli/samples.py")
    return 1 if failures else 0
