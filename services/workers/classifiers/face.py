"""Face detection with BlazeFace full-range: letterbox to 192x192, decode 2304 anchors, weighted NMS."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

MODEL = "face_detector"
SIZE = 192
GRID = 48
_CENTERS = (np.arange(GRID, dtype=np.float32) + 0.5) / GRID
ANCHORS = np.stack(np.meshgrid(_CENTERS, _CENTERS), -1).reshape(-1, 2)  # (x, y) per anchor, row-major


@dataclasses.dataclass(frozen=True)
class Letterbox:
    scale: float
    pad_x: int
    pad_y: int
    width: int
    height: int


@dataclasses.dataclass(frozen=True)
class Face:
    x1: float
    y1: float
    x2: float
    y2: float
    score: float


def preprocess(image: np.ndarray) -> tuple[np.ndarray, Letterbox]:
    """RGB uint8 (H, W, 3) -> float32 (3, 192, 192) in [-1, 1], aspect ratio kept with padding."""
    height, width = image.shape[:2]
    scale = SIZE / max(height, width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    canvas = np.zeros((SIZE, SIZE, 3), np.float32)
    pad_x, pad_y = (SIZE - new_w) // 2, (SIZE - new_h) // 2
    canvas[pad_y:pad_y + new_h, pad_x:pad_x + new_w] = resized
    tensor = (canvas / 127.5 - 1.0).transpose(2, 0, 1)
    return np.ascontiguousarray(tensor), Letterbox(scale, pad_x, pad_y, width, height)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x1 = np.maximum(box[0], boxes[:, 0])
    y1 = np.maximum(box[1], boxes[:, 1])
    x2 = np.minimum(box[2], boxes[:, 2])
    y2 = np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def postprocess(regressors: np.ndarray, scores: np.ndarray, box: Letterbox, threshold: float = 0.5,
                iou_threshold: float = 0.3) -> list[Face]:
    """Model outputs for ONE image -> faces in original pixel coordinates, best first."""
    probs = 1.0 / (1.0 + np.exp(-np.clip(scores.reshape(-1), -100, 100)))
    keep = np.nonzero(probs >= threshold)[0]
    if keep.size == 0:
        return []
    reg = regressors.reshape(-1, 16)[keep] / SIZE
    centers = ANCHORS[keep] + reg[:, :2]
    half = reg[:, 2:4] / 2
    boxes = np.concatenate([centers - half, centers + half], axis=1) * SIZE  # letterbox pixels
    probs = probs[keep]
    order = np.argsort(-probs)
    boxes, probs = boxes[order], probs[order]
    faces = []
    remaining = np.arange(len(probs))
    while remaining.size:
        overlap = _iou(boxes[remaining[0]], boxes[remaining])
        group = remaining[overlap >= iou_threshold]
        weights = probs[group][:, None]
        merged = (boxes[group] * weights).sum(0) / weights.sum()  # weighted NMS, as MediaPipe does
        x1, y1, x2, y2 = ((merged - [box.pad_x, box.pad_y, box.pad_x, box.pad_y]) / box.scale).tolist()
        faces.append(Face(max(0.0, x1), max(0.0, y1), min(float(box.width), x2), min(float(box.height), y2),
                          float(probs[group[0]])))
        remaining = remaining[overlap < iou_threshold]
    return faces
