"""Explicit-image classification with image-safety-classifier-s: classes NSFL, NSFW, SFW."""

from __future__ import annotations

import cv2
import numpy as np

MODEL = "nsfw_classifier"
SIZE = 224
CLASSES = ("nsfl", "nsfw", "sfw")


def preprocess(image: np.ndarray) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> float32 (3, 224, 224) with values 0..255 (the graph normalises)."""
    resized = cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(resized.astype(np.float32).transpose(2, 0, 1))


def postprocess(probabilities: np.ndarray) -> dict[str, float]:
    """One image's class probabilities -> scores: `explicit` (NSFW), `gore` (NSFL), `safe`."""
    p = probabilities.reshape(-1)
    return {"explicit": float(p[1]), "gore": float(p[0]), "safe": float(p[2])}
