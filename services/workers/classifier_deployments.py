"""One Ray Serve deployment per classifier: pre-processing in Python, tensor work on Triton,
post-processing in Python, evidence back to the consumer as serialized ClassifierEvidence."""

from __future__ import annotations

import asyncio
import os
import time

import numpy as np
from opentelemetry import trace
from ray import serve

from screening.v1 import types_pb2
from services.common import platform, telemetry
from services.workers import settings as worker_settings
from services.workers.classifiers import face, nsfw, ocr, refusal
from services.workers.triton_client import TritonClient

# Serve learns that a replica died from a failed health check (then starts another): every 2 s instead of
# Serve's 10, so a killed replica is replaced in about 4 s (measured on the request consumer: 8.5 s from
# kill to the first request screened with 5 s checks). The check is a trivial call.
HEALTH_CHECK_PERIOD_S = 2


class _Classifier:
    name = ""

    def __init__(self):
        self.platform = platform.load_platform()
        self.settings = worker_settings.load_workers()
        self.tracer = telemetry.setup("workers", self.platform.otel_exporter, self.platform.telemetry_dir)
        self.triton = TritonClient(self.platform.triton_grpc_url)

    async def classify(self, images: list[np.ndarray], image_ids: list[str], text: str, carrier: dict,
                       **options) -> bytes:
        started = time.perf_counter()
        with self.tracer.start_as_current_span(f"classifier.{self.name}", kind=trace.SpanKind.INTERNAL,
                                               context=telemetry.context_from_carrier(carrier)) as span:
            evidence = await self.run(images, image_ids, text, **options)
            evidence.classifier = self.name
            evidence.latency_ms = (time.perf_counter() - started) * 1000
            span.set_attribute("classifier.scores", str(dict(evidence.scores)))
            return evidence.SerializeToString()

    async def run(self, images, image_ids, text) -> types_pb2.ClassifierEvidence:
        raise NotImplementedError


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=64,
                  health_check_period_s=HEALTH_CHECK_PERIOD_S)
class FaceClassifier(_Classifier):
    name = "face"

    async def run(self, images, image_ids, text, look: str = "both", only: tuple[int, ...] = ()):
        """look "both": the whole view, then the second look (zoomed out, tiles; face.py) for the photos
        where it found no face. "first": the whole view only. "second": the second look only, of the
        photos `only` names (the consumer asks for it when the request turns out to be about a person)."""
        evidence = types_pb2.ClassifierEvidence(model=face.MODEL)
        if not images:
            return evidence
        found = {} if look == "second" else await self._detect(
            [(index, view) for index, image in enumerate(images) for view in face.prepare(image)])
        if look == "second":
            unfound = [index for index in only if 0 <= index < len(images)]
        else:
            tiles = look == "both" and self.settings.face_tiles
            unfound = [index for index in range(len(images)) if tiles and not found.get(index)]
        second = await self._detect([(index, view) for index in unfound
                                     for view in face.prepare(images[index], second_look=True)])
        best = 0.0
        for index in range(len(images)):
            for one in face.merge(found.get(index, []) + second.get(index, [])):
                best = max(best, one.score)
                evidence.boxes.append(types_pb2.Box(x1=one.x1, y1=one.y1, x2=one.x2, y2=one.y2,
                                                    score=one.score, label="face", image_sha256=image_ids[index]))
        evidence.scores["face"] = best
        evidence.scores["face_count"] = float(len(evidence.boxes))
        return evidence

    async def _detect(self, views: list[tuple[int, tuple[np.ndarray, face.Letterbox]]]) -> dict[int, list[face.Face]]:
        """(image index, (tensor, letterbox)) per view -> faces per image index, in Triton batches that fit."""
        chunks = _chunks(views, face.MAX_BATCH)
        outs = await asyncio.gather(*(self.triton.infer(face.MODEL, {"image": np.stack([v[1][0] for v in chunk])},
                                                        ["regressors", "scores"]) for chunk in chunks))
        found: dict[int, list[face.Face]] = {}
        for chunk, out in zip(chunks, outs, strict=True):
            for row, (index, (_tensor, box)) in enumerate(chunk):
                found.setdefault(index, []).extend(face.postprocess(out["regressors"][row], out["scores"][row], box,
                                                                    self.settings.face_threshold))
        return found


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=64,
                  health_check_period_s=HEALTH_CHECK_PERIOD_S)
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


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=32,
                  health_check_period_s=HEALTH_CHECK_PERIOD_S)
class OcrClassifier(_Classifier):
    """Reads the text in each image and scores it, like typed text, with the refusal classifier's model
    on Triton (the same pre/post-processing as RefusalClassifier), so the text of an image reaches the
    refusal model without a second round trip through the consumer; the consumer puts those scores in
    the refusal verdict as its image-text scores."""

    name = "ocr"

    def __init__(self):
        super().__init__()
        self.charset = ocr.load_charset(os.path.join(self.platform.model_dir, "ocr", "dict.txt"))

    async def _read(self, image: np.ndarray, image_id: str) -> tuple[list[ocr.Line], list[types_pb2.TextLine]]:
        """The lines read in one image: as scored (ocr.Line) and as reported (TextLine), same order."""
        tensor, ratio_h, ratio_w = ocr.det_preprocess(image, self.settings.ocr_limit_side)
        out = await self.triton.infer(ocr.DETECTOR, {"image": tensor[None]}, ["probability"])
        regions = ocr.det_postprocess(out["probability"][0], ratio_h, ratio_w, image.shape[:2])
        crops = [ocr.crop(image, region.quad) for region in regions]
        async def read_lines(pieces: list[np.ndarray]) -> list[tuple[str, float]]:
            read: list[tuple[str, float]] = [("", 0.0)] * len(pieces)

            async def recognise(indices):
                batch = ocr.rec_batch([pieces[i] for i in indices])
                logits = (await self.triton.infer(ocr.RECOGNIZER, {"image": batch}, ["logits"]))["logits"]
                for i, decoded in zip(indices, ocr.ctc_decode(logits, self.charset), strict=True):
                    read[i] = decoded

            await asyncio.gather(*(recognise(group) for group in ocr.group_by_width(pieces)))
            return read

        async def upside_down() -> list[int]:
            chunks = _chunks(crops, ocr.MAX_CLS_BATCH)
            outs = await asyncio.gather(*(self.triton.infer(ocr.ORIENTATION, {"image": ocr.cls_batch(chunk)},
                                                            ["probability"]) for chunk in chunks))
            return ocr.upside_down(np.concatenate([out["probability"] for out in outs])) if outs else []

        # the lines as cut, and beside them which ones look upside down; those are read turned as well
        upright, flagged = await asyncio.gather(read_lines(crops), upside_down())
        turned = await read_lines([ocr.turned(crops[i]) for i in flagged]) if flagged else []
        results = ocr.better_readings(upright, flagged, turned)
        lines, reported = [], []
        for region, (text, confidence) in zip(regions, results, strict=True):
            if not text or confidence < self.settings.ocr_min_confidence:
                continue
            line = region.line(text)
            lines.append(line)
            reported.append(types_pb2.TextLine(text=text, confidence=confidence, box=types_pb2.Box(
                x1=line.x1, y1=line.y1, x2=line.x2, y2=line.y2, score=region.score, label="text",
                image_sha256=image_id)))
        return lines, reported

    async def run(self, images, image_ids, text):
        evidence = types_pb2.ClassifierEvidence(model=f"{ocr.DETECTOR}+{ocr.RECOGNIZER}")
        per_image = await asyncio.gather(*(self._read(image, image_id)
                                           for image, image_id in zip(images, image_ids, strict=True)))
        for _lines, reported in per_image:
            evidence.lines.extend(reported)
        evidence.scores["lines"] = float(len(evidence.lines))
        evidence.scores["characters"] = float(sum(len(line.text) for line in evidence.lines))
        texts = ocr.request_texts([lines for lines, _reported in per_image])
        if texts:
            evidence.image_text_scores.update(await refusal_scores(self.triton, *texts))
        return evidence


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=64,
                  health_check_period_s=HEALTH_CHECK_PERIOD_S)
class RefusalClassifier(_Classifier):
    """Scores the prompt for every category (the text read from images is scored by OcrClassifier with
    the same model)."""

    name = "refusal"

    async def run(self, images, image_ids, text):
        evidence = types_pb2.ClassifierEvidence(model=refusal.MODEL)
        evidence.scores.update(await refusal_scores(self.triton, text))
        return evidence


async def refusal_scores(triton: TritonClient, *texts: str) -> dict[str, float]:
    """The refusal model's score per category for some texts: their segments (refusal.pieces) scored in
    calls of at most refusal.PIECES_PER_CALL strings, sent at once, then combined (the highest score per
    category). One call runs on one model instance and one core; a screenshot full of text gives a dozen
    strings or more, and split they run on every instance side by side."""
    pieces = refusal.pieces(texts)
    if not pieces:
        return refusal.combine([])
    chunks = _chunks(pieces, refusal.PIECES_PER_CALL)
    outs = await asyncio.gather(*(triton.infer(refusal.MODEL, refusal.triton_inputs(chunk), ["scores"])
                                  for chunk in chunks))
    return refusal.combine(row for out in outs for row in out["scores"])


def _chunks(items: list, size: int) -> list[list]:
    """Consecutive runs of at most `size` items: one Triton call each."""
    return [items[start:start + size] for start in range(0, len(items), size)]


DEPLOYMENTS = {"face": FaceClassifier, "nsfw": NsfwClassifier, "ocr": OcrClassifier,
               "refusal": RefusalClassifier}
