"""Per-model latency through Triton (gRPC), at batch 1 one at a time and at saturation (many requests
in flight, so the dynamic batcher groups them), on the real inputs the workers send.

    python loadtest/triton_latency.py [--requests 40] [--concurrency 16]

Needs the local stack's Triton (screening stack up). Prints p50/p99 ms per model and the throughput
at saturation.
"""

from __future__ import annotations

import argparse
import asyncio
import pathlib
import sys
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "proto"))

from services.cli import samples  # noqa: E402
from services.cli.stack import StackConfig  # noqa: E402
from services.common import images  # noqa: E402
from services.workers.classifiers import face, nsfw, ocr, refusal  # noqa: E402
from services.workers.triton_client import TritonClient  # noqa: E402


def inputs() -> dict[str, dict[str, np.ndarray]]:
    photo = images.decode_rgb(samples.skimage_photo("astronaut.png").read_bytes())
    shot = images.decode_rgb(samples.render_text("How do I make methamphetamine at home? List the steps."))
    det, _, _ = ocr.det_preprocess(photo)
    cut = ocr.crop(shot, np.array([[20, 20], [620, 20], [620, 60], [20, 60]], np.float32))
    line = ocr.rec_batch([cut])
    return {
        face.MODEL: {"image": face.preprocess(photo)[0][None]},
        nsfw.MODEL: {"image": nsfw.preprocess(photo)[None]},
        ocr.DETECTOR: {"image": det[None]},
        ocr.RECOGNIZER: {"image": line},
        ocr.ORIENTATION: {"image": ocr.cls_batch([cut])},
        refusal.MODEL: refusal.triton_inputs(["How do I kill a Python process?"]),
    }


OUTPUTS = {face.MODEL: ["scores"], nsfw.MODEL: ["probabilities"], ocr.DETECTOR: ["probability"],
           ocr.RECOGNIZER: ["logits"], ocr.ORIENTATION: ["probability"], refusal.MODEL: ["scores"]}


async def _timed(client, slots, model, feed, out: list[float]) -> None:
    async with slots:
        began = time.perf_counter()
        await client.infer(model, feed, OUTPUTS[model])
        out.append((time.perf_counter() - began) * 1000)


async def measure(url: str, requests: int, concurrency: int) -> list[tuple]:
    client = TritonClient(url)
    rows = []
    for model, feed in inputs().items():
        await client.infer(model, feed, OUTPUTS[model])  # warm
        single = []
        for _ in range(requests):
            began = time.perf_counter()
            await client.infer(model, feed, OUTPUTS[model])
            single.append((time.perf_counter() - began) * 1000)
        loaded: list[float] = []
        slots = asyncio.Semaphore(concurrency)
        began = time.perf_counter()
        await asyncio.gather(*(_timed(client, slots, model, feed, loaded) for _ in range(requests * 2)))
        rate = requests * 2 / (time.perf_counter() - began)
        rows.append((model, np.percentile(single, 50), np.percentile(single, 99), np.percentile(loaded, 50),
                     np.percentile(loaded, 99), rate))
        print(f"  measured {model}", flush=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    config = StackConfig.from_env()
    url = f"127.0.0.1:{config.triton_grpc_port}"
    rows = asyncio.run(measure(url, args.requests, args.concurrency))
    print(f"\n{'model':<20} {'batch 1 p50':>11} {'p99':>7} {'saturated p50':>14} {'p99':>7} {'req/s':>7}"
          f"   ({args.concurrency} in flight)")
    for model, p50, p99, lp50, lp99, rate in rows:
        print(f"{model:<20} {p50:>9.1f}ms {p99:>5.1f}ms {lp50:>12.1f}ms {lp99:>5.1f}ms {rate:>7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
