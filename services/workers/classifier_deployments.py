"""One Ray Serve deployment per classifier: pre-processing in Python, tensor work on Triton,
post-processing in Python, evidence back to the consumer as serialized ClassifierEvidence."""

from __future__ import annotations

import time

import numpy as np
from opentelemetry import trace
from ray import serve

from screening.v1 import types_pb2
from services.common import platform, telemetry
from services.workers import settings as worker_settings
from services.workers.classifiers import face, nsfw
from services.workers.triton_client import TritonClient


class _Classifier:
    name = ""

    def __init__(self):
        self.platform = platform.load_platform()
        self.settings = worker_settings.load_workers()
        self.tracer = telemetry.setup("workers", self.platform.otel_exporter, self.platform.telemetry_dir)
        self.triton = TritonClient(self.platform.triton_grpc_url)

    async def classify(self, images: list[np.ndarray], image_ids: list[str], text: str, carrier: dict) -> bytes:
        started = time.perf_counter()
        with self.tracer.start_as_current_span(f"classifier.{self.name}", kind=trace.SpanKind.INTERNAL,
                                               context=telemetry.context_from_carrier(carrier)) as span:
            evidence = await self.run(images, image_ids, text)
            evidence.classifier = self.name
            evidence.latency_ms = (time.perf_counter() - started) * 1000
            span.set_attribute("classifier.scores", str(dict(evidence.scores)))
            return evidence.SerializeToString()

    async def run(self, images, image_ids, text) -> types_pb2.ClassifierEvidence:
        raise NotImplementedError


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=64)
class FaceClassifier(_Classifier):
    name = "face"

    async def run(self, images, image_ids, text):
        evidence = types_pb2.ClassifierEvidence(model=face.MODEL)
        if not images:
            return evidence
        prepared = [face.preprocess(image) for image in images]
        batch = np.stack([tensor for tensor, _ in prepared])
        out = await self.triton.infer(face.MODEL, {"image": batch}, ["regressors", "scores"])
        best = 0.0
        for index, (_tensor, box) in enumerate(prepared):
            for found in face.postprocess(out["regressors"][index], out["scores"][index], box,
                                          self.settings.face_threshold):
                best = max(best, found.score)
                evidence.boxes.append(types_pb2.Box(x1=found.x1, y1=found.y1, x2=found.x2, y2=found.y2,
                                                    score=found.score, label="face", image_sha256=image_ids[index]))
        evidence.scores["face"] = best
        evidence.scores["face_count"] = float(len(evidence.boxes))
        return evidence


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=64)
class NsfwClassifier(_Classifier):
    name = "nsfw"

    async def run(self, images, image_ids, text):
        evidence = types_pb2.ClassifierEvidence(model=nsfw.MODEL)
        if not images:
            return evidence
        batch = np.stack([nsfw.preprocess(image) for image in images])
        out = await self.triton.infer(nsfw.MODEL, {"image": batch}, ["probabilities"])
        for index, probabilities in enumerate(out["probabilities"]):
            for key, value in nsfw.postprocess(probabilities).items():
                # across images the request is as explicit as its most explicit image
                if key == "safe":
                    evidence.scores[key] = min(evidence.scores.get(key, 1.0), value)
                else:
                    evidence.scores[key] = max(evidence.scores.get(key, 0.0), value)
            evidence.boxes.append(types_pb2.Box(label="image", score=float(probabilities[1]),
                                                image_sha256=image_ids[index]))
        return evidence


DEPLOYMENTS = {"face": FaceClassifier, "nsfw": NsfwClassifier}
