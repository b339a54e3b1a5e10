"""The baseline a user would build instead: ONE process that runs the same four models with the same
pre- and post-processing and the same policy, one request after the other, with no Kafka, Ray or
Triton (onnxruntime sessions in-process).

    python loadtest/baseline.py --text "Who is this?" --image photo.png
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import numpy as np
import onnxruntime as ort

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "proto"))

from screening.v1 import types_pb2  # noqa: E402
from services.common import images as image_io  # noqa: E402
from services.common import ort_extensions  # noqa: E402
from services.decision import policy as policy_module  # noqa: E402
from services.workers import settings as worker_settings  # noqa: E402
from services.workers.classifiers import face, nsfw, ocr, refusal  # noqa: E402


class Baseline:
    def __init__(self, model_dir: pathlib.Path, threads: int = 2, spinning: bool = False):
        def session(path, custom=False):
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            if not spinning:
                # as Triton's models (services/triton/onnx_model.py): idle threads sleep. onnxruntime's default
                # keeps them spinning after each run, and in one process that alternates between models they
                # then take the CPU from the next model: 4.7 req/s on the bench's inputs instead of 12
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            if custom:
                options.register_custom_ops_library(ort_extensions.library_path())
            return ort.InferenceSession(str(model_dir / path), options, providers=["CPUExecutionProvider"])

        self.face = session("face/blazeface_full_range.onnx")
        self.nsfw = session("nsfw/image_safety_classifier_s.onnx")
        self.det = session("ocr/det.onnx")
        self.rec = session("ocr/rec.onnx")
        self.orientation = session("ocr/cls.onnx")
        self.refusal = session("text/refusal.onnx", custom=True)
        self.e5 = refusal.e5_encoder(threads)
        self.tuned = refusal.tuned_encoder(model_dir, threads)
        self.charset = ocr.load_charset(str(model_dir / "ocr" / "dict.txt"))
        self.policy = policy_module.load(policy_module.DEFAULT_PATH)
        self.workers = worker_settings.load_workers()  # face threshold and tiling, OCR confidence: as the workers
        self.model_ms: dict[str, float] = {}

    def _timed(self, name, fn):
        began = time.perf_counter()
        out = fn()
        self.model_ms[name] = self.model_ms.get(name, 0.0) + (time.perf_counter() - began) * 1000
        return out

    def _scores(self, *texts: str) -> dict[str, float]:
        pieces = refusal.pieces(texts)
        if not pieces:
            return refusal.combine([])
        return refusal.combine(self.refusal.run(None, {"inputs": np.array(pieces, dtype=object),
                                                       "ngrams": refusal.ngram_matrix(pieces),
                                                       "e5": self.e5(pieces), "tuned": self.tuned(pieces)})[0])

    def _read(self, image: np.ndarray) -> list[ocr.Line]:
        """The lines OCR reads in one image, with their boxes."""
        tensor, ratio_h, ratio_w = ocr.det_preprocess(image)
        prob = self.det.run(None, {"image": tensor[None]})[0][0]
        regions = ocr.det_postprocess(prob, ratio_h, ratio_w, image.shape[:2])
        crops = [ocr.crop(image, r.quad) for r in regions]

        def read_lines(pieces):
            read = [("", 0.0)] * len(pieces)
            for group in ocr.group_by_width(pieces):
                logits = self.rec.run(None, {"image": ocr.rec_batch([pieces[i] for i in group])})[0]
                for i, decoded in zip(group, ocr.ctc_decode(logits, self.charset), strict=True):
                    read[i] = decoded
            return read

        flagged = ocr.upside_down(self.orientation.run(None, {"image": ocr.cls_batch(crops)})[0]) if crops else []
        results = ocr.better_readings(read_lines(crops), flagged, read_lines([ocr.turned(crops[i]) for i in flagged]))
        texts = [text if confidence >= self.workers.ocr_min_confidence else "" for text, confidence in results]
        return [region.line(text) for text, region in zip(texts, regions, strict=True) if text]

    def screen(self, text: str, payloads: list[bytes]) -> policy_module.Outcome:
        """The whole decision for one request; `model_ms` accumulates the time per classifier."""
        self.model_ms = {}
        arrays = [array for data in payloads for array in image_io.decode_frames(data)]
        verdicts: dict[str, types_pb2.ClassifierEvidence] = {}
        image_texts, found = [], []
        if arrays:
            def look(image, second_look):
                prepared = face.prepare(image, second_look)
                regressors, scores = self.face.run(None, {"image": np.stack([t for t, _ in prepared])})
                return [f.score for row, (_t, box) in enumerate(prepared)
                        for f in face.postprocess(regressors[row], scores[row], box, self.workers.face_threshold)]

            def explicit():
                batch = np.stack([nsfw.preprocess(image) for image in arrays])
                probabilities = self.nsfw.run(None, {"image": batch})[0]
                return types_pb2.ClassifierEvidence(classifier="nsfw", scores={
                    "explicit": float(max(p[1] for p in probabilities))})

            found = self._timed("face", lambda: [look(image, False) for image in arrays])
            verdicts["nsfw"] = self._timed("nsfw", explicit)
            image_texts = ocr.request_texts(self._timed("ocr", lambda: [self._read(image) for image in arrays]))

        evidence = types_pb2.ClassifierEvidence(classifier="refusal",
                                                scores=self._timed("refusal", lambda: self._scores(text)))
        if image_texts:
            evidence.image_text_scores.update(self._timed("refusal_image_text", lambda: self._scores(*image_texts)))
        verdicts["refusal"] = evidence
        if arrays:
            # the second look only for a request about a person, as the workers (consumer._face)
            trigger = self.workers.face_second_look_trigger
            about_a_person = trigger <= 0 or refusal.asks_about_a_person(evidence.scores, trigger) \
                or refusal.asks_about_a_person(evidence.image_text_scores, trigger)
            unfound = [image for image, scores in zip(arrays, found, strict=True) if not scores]
            skipped = bool(unfound and self.workers.face_tiles and not about_a_person)
            if unfound and self.workers.face_tiles and about_a_person:
                found += self._timed("face_second", lambda: [look(image, True) for image in unfound])
            verdicts["face"] = types_pb2.ClassifierEvidence(classifier="face", scores={
                "face": max([0.0] + [score for scores in found for score in scores]),
                **({"second_look_skipped": 1.0} if skipped else {})})
        return policy_module.evaluate(self.policy, "default", verdicts, list(verdicts), [])

    def critical_path_ms(self) -> float:
        """What the pipeline's parallel fan-out cannot go below: the slowest branch (the prompt is scored
        beside the image models; the text OCR finds is scored after OCR; the face's second look, when read,
        after the whole view and the prompt's score)."""
        ms = self.model_ms
        face_branch = ms.get("face", 0.0)
        if "face_second" in ms:
            face_branch = max(face_branch, ms.get("refusal", 0.0)) + ms["face_second"]
        return max(face_branch, ms.get("nsfw", 0.0), ms.get("refusal", 0.0),
                   ms.get("ocr", 0.0) + ms.get("refusal_image_text", 0.0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--text", required=True)
    parser.add_argument("--image", action="append", default=[])
    parser.add_argument("--model-dir", default=os.environ.get("SCREENING_MODEL_DIR", str(ROOT / "var" / "models")))
    args = parser.parse_args()
    baseline = Baseline(pathlib.Path(args.model_dir))
    began = time.perf_counter()
    outcome = baseline.screen(args.text, [pathlib.Path(p).read_bytes() for p in args.image])
    print(types_pb2.Outcome.Name(outcome.outcome), outcome.categories,
          f"{(time.perf_counter() - began) * 1000:.0f} ms", {k: round(v, 1) for k, v in baseline.model_ms.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
