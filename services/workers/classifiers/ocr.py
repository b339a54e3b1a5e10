"""OCR with PP-OCRv6 tiny: DB text detection, then CTC text recognition of each detected line.

Detection: the image is resized so its longer side is at most `limit_side` (a multiple of 32) and
normalised as the model was trained (BGR, ImageNet mean/std); the probability map is binarised,
each connected region becomes a rotated rectangle, is scored, grown ("unclipped") by the DB ratio
and mapped back to image pixels. Recognition: each quadrilateral is warped upright to height 48,
the batch is padded to its widest line, and the CTC output is decoded greedily. Orientation: PP-OCR's
line orientation classifier flags lines that look upside down (a screenshot turned by 180 degrees, or by
90, whose lines the warp then turns the wrong way up); those are also read turned by 180 degrees and the
recogniser's surer reading is kept (`better_readings`). Before this, a screenshot turned by 90 or 180
degrees was read as gibberish, and its harmful question was allowed.

What is scored: the text of each image (its lines in reading order) and, when the page has several
blocks (a chat's sidebar beside the conversation, a caption under a photo, a web page's columns), each
block long enough to carry a request on its own, so a harmful paragraph is not diluted by the text
around it (`image_texts`).
"""

from __future__ import annotations

import dataclasses
import math

import cv2
import numpy as np
import pyclipper

from services.workers.classifiers import refusal

DETECTOR = "ocr_detector"
RECOGNIZER = "ocr_recognizer"
ORIENTATION = "ocr_orientation"  # PP-OCR's text line orientation classifier: upright or upside down
REC_HEIGHT = 48
CLS_WIDTH = 192  # the orientation classifier's input: 3 x 48 x 192
MAX_CLS_BATCH = 32  # the orientation model's max_batch_size in config.pbtxt
UPSIDE_DOWN = 0.9  # a line the classifier calls upside down with this probability is read both ways
MIN_BLOCK_CHARS = 16  # a block shorter than this is scored only as part of the whole text
MAX_BLOCKS = 8  # per image, the longest blocks
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)
# the detector's normalisation as one multiply-add per plane: (x / 255 - mean) / std
_DET_SCALE = (1.0 / (255.0 * _STD)).astype(np.float32).reshape(3, 1, 1)
_DET_BIAS = (-_MEAN / _STD).astype(np.float32).reshape(3, 1, 1)


@dataclasses.dataclass(frozen=True)
class Region:
    quad: np.ndarray  # (4, 2) float32, clockwise from top-left, image pixels
    score: float

    def line(self, text: str) -> Line:
        """The text read in this region, with the region's axis-aligned box."""
        xs, ys = self.quad[:, 0], self.quad[:, 1]
        return Line(text, float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))


@dataclasses.dataclass(frozen=True)
class Line:
    """One recognised line and its axis-aligned box in image pixels."""
    text: str
    x1: float
    y1: float
    x2: float
    y2: float


def load_charset(path: str) -> list[str]:
    """Index 0 is the CTC blank, then the dictionary's characters, then the space."""
    with open(path, encoding="utf-8") as handle:
        chars = [line.rstrip("\r\n") for line in handle]
    return ["<blank>"] + chars + [" "]


def det_preprocess(image: np.ndarray, limit_side: int = 960) -> tuple[np.ndarray, float, float]:
    """RGB (H, W, 3) -> (3, H', W') float32 with H', W' multiples of 32; returns the scale factors."""
    height, width = image.shape[:2]
    ratio = min(1.0, limit_side / max(height, width))
    new_h = max(32, int(round(height * ratio / 32)) * 32)
    new_w = max(32, int(round(width * ratio / 32)) * 32)
    # resized from the contiguous RGB array, then planes in BGR order (the model's), normalised in place:
    # a channel-reversed view made cv2 copy it slowly first, and the arithmetic made three temporaries
    # (7 ms for a 512 px photo, 95 ms for a 12 MP one, before; 0.7 and 3.5 ms now, the same tensor)
    resized = cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    planes = np.ascontiguousarray(resized.transpose(2, 0, 1)[::-1]).astype(np.float32)
    planes *= _DET_SCALE
    planes += _DET_BIAS
    return planes, new_h / height, new_w / width


def _order(points: np.ndarray) -> np.ndarray:
    """Four points clockwise from the top-left."""
    by_x = points[np.argsort(points[:, 0])]
    left, right = by_x[:2], by_x[2:]
    top_left, bottom_left = left[np.argsort(left[:, 1])]
    top_right, bottom_right = right[np.argsort(right[:, 1])]
    return np.array([top_left, top_right, bottom_right, bottom_left], np.float32)


def _box_score(prob: np.ndarray, quad: np.ndarray) -> float:
    h, w = prob.shape
    x_min = int(np.clip(np.floor(quad[:, 0].min()), 0, w - 1))
    x_max = int(np.clip(np.ceil(quad[:, 0].max()), 0, w - 1))
    y_min = int(np.clip(np.floor(quad[:, 1].min()), 0, h - 1))
    y_max = int(np.clip(np.ceil(quad[:, 1].max()), 0, h - 1))
    mask = np.zeros((y_max - y_min + 1, x_max - x_min + 1), np.uint8)
    shifted = (quad - [x_min, y_min]).astype(np.int32)
    cv2.fillPoly(mask, [shifted], 1)
    return float(cv2.mean(prob[y_min:y_max + 1, x_min:x_max + 1], mask)[0])


def _unclip(quad: np.ndarray, ratio: float) -> np.ndarray | None:
    area = cv2.contourArea(quad)
    perimeter = cv2.arcLength(quad, True)
    if perimeter <= 0:
        return None
    distance = area * ratio / perimeter
    offset = pyclipper.PyclipperOffset()
    offset.AddPath([tuple(p) for p in quad.astype(np.int64)], pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    grown = offset.Execute(distance)
    if len(grown) != 1:
        return None
    return np.array(grown[0], np.float32)


def det_postprocess(prob: np.ndarray, ratio_h: float, ratio_w: float, image_shape: tuple[int, int],
                    thresh: float = 0.3, box_thresh: float = 0.5, unclip_ratio: float = 1.6,
                    max_candidates: int = 300, min_size: float = 3.0) -> list[Region]:
    """Probability map (H', W') -> text regions in the original image's pixels, in reading order."""
    prob = prob.reshape(prob.shape[-2:])
    bitmap = (prob > thresh).astype(np.uint8)
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    height, width = image_shape
    regions = []
    for contour in contours[:max_candidates]:
        rect = cv2.minAreaRect(contour)
        if min(rect[1]) < min_size:
            continue
        quad = _order(cv2.boxPoints(rect))
        score = _box_score(prob, quad)
        if score < box_thresh:
            continue
        grown = _unclip(quad, unclip_ratio)
        if grown is None:
            continue
        rect = cv2.minAreaRect(grown)
        if min(rect[1]) < min_size + 2:
            continue
        quad = _order(cv2.boxPoints(rect))
        quad[:, 0] = np.clip(quad[:, 0] / ratio_w, 0, width - 1)
        quad[:, 1] = np.clip(quad[:, 1] / ratio_h, 0, height - 1)
        regions.append(Region(quad, score))
    return reading_order(regions)


def reading_order(regions: list[Region]) -> list[Region]:
    """Regions as a person reads them: rows top to bottom, left to right within a row, measured along
    and across the page's text direction (the median slant of the wide regions). Sorting by the image's
    y alone puts a short last line of a text rotated clockwise before the line above it (its left end
    sits higher than the middle of the long line); a slant past 30 degrees is not trusted."""
    if len(regions) < 2:
        return list(regions)
    tops = [r.quad[1] - r.quad[0] for r in regions]
    sides = [r.quad[3] - r.quad[0] for r in regions]
    slants = [math.atan2(float(top[1]), float(top[0])) for top, side in zip(tops, sides, strict=True)
              if np.hypot(*top) >= 2 * np.hypot(*side)]
    angle = float(np.median(slants)) if slants else 0.0
    if abs(angle) > math.radians(30):
        angle = 0.0
    cos, sin = math.cos(angle), math.sin(angle)
    centres = [r.quad.mean(axis=0) for r in regions]
    along = [float(x * cos + y * sin) for x, y in centres]
    across = [float(y * cos - x * sin) for x, y in centres]
    height = max(1.0, float(np.median([np.hypot(*side) for side in sides])))
    rows: list[list[int]] = []
    for index in sorted(range(len(regions)), key=lambda i: across[i]):
        if rows and across[index] - across[rows[-1][0]] <= 0.5 * height:
            rows[-1].append(index)
        else:
            rows.append([index])
    return [regions[i] for row in rows for i in sorted(row, key=lambda i: along[i])]


def crop(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The quadrilateral warped to an upright rectangle (RGB); tall crops are turned to lie flat."""
    width = int(max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[2] - quad[3])))
    height = int(max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2])))
    width, height = max(width, 1), max(height, 1)
    target = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), target)
    out = cv2.warpPerspective(image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE,
                              flags=cv2.INTER_CUBIC)
    if height / width >= 1.5:
        out = np.rot90(out)
    return out


def rec_batch(crops: list[np.ndarray], max_width: int = 1280) -> np.ndarray:
    """Crops -> (N, 3, 48, W) float32 in [-1, 1] (BGR), padded on the right to the widest line."""
    widths = [min(max_width, max(8, int(math.ceil(REC_HEIGHT * c.shape[1] / max(c.shape[0], 1))))) for c in crops]
    batch_width = max(widths)
    batch = np.zeros((len(crops), 3, REC_HEIGHT, batch_width), np.float32)
    for i, (piece, w) in enumerate(zip(crops, widths, strict=True)):
        _planes_into(batch[i, :, :, :w], cv2.resize(np.ascontiguousarray(piece), (w, REC_HEIGHT),
                                                    interpolation=cv2.INTER_LINEAR))
    return batch


def _planes_into(out: np.ndarray, rgb: np.ndarray) -> None:
    """RGB uint8 (H, W, 3) -> `out` (3, H, W) float32, BGR planes in [-1, 1] ((x / 255 - 0.5) / 0.5),
    in place (the padding around `out` keeps its 0)."""
    out[...] = rgb.transpose(2, 0, 1)[::-1]
    out *= 1.0 / 127.5
    out -= 1.0


def cls_batch(crops: list[np.ndarray]) -> np.ndarray:
    """Crops -> (N, 3, 48, 192) float32 in [-1, 1] (BGR) for the orientation classifier: each line
    resized to height 48, cut at 192 wide, padded on the right."""
    batch = np.zeros((len(crops), 3, REC_HEIGHT, CLS_WIDTH), np.float32)
    for i, piece in enumerate(crops):
        width = min(CLS_WIDTH, max(1, int(math.ceil(REC_HEIGHT * piece.shape[1] / max(piece.shape[0], 1)))))
        _planes_into(batch[i, :, :, :width], cv2.resize(np.ascontiguousarray(piece), (width, REC_HEIGHT),
                                                        interpolation=cv2.INTER_LINEAR))
    return batch


def upside_down(probabilities: np.ndarray) -> list[int]:
    """Indices of the lines the orientation classifier calls upside down ((N, 2): upright, 180 deg)."""
    return [int(i) for i in np.nonzero(probabilities[:, 1] >= UPSIDE_DOWN)[0]]


def turned(crop: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(crop[::-1, ::-1])


def better_readings(upright: list[tuple[str, float]], flagged: list[int],
                    turned: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """Each line's reading: as cut, or, for the lines the classifier flagged (indices), read turned by
    180 degrees when the recogniser is surer of that. The classifier alone errs both ways (it called 5
    of 729 upright lines of the eval's images upside down); the recogniser's confidence settled every
    such line and every line of screenshots turned by 90 and 180 degrees."""
    readings = list(upright)
    for index, reading in zip(flagged, turned, strict=True):
        if reading[1] > readings[index][1]:
            readings[index] = reading
    return readings


def ctc_decode(probs: np.ndarray, charset: list[str]) -> list[tuple[str, float]]:
    """(N, T, C) per-step class probabilities -> [(text, mean confidence of its characters)]."""
    best = probs.argmax(axis=2)
    confidence = probs.max(axis=2)
    out = []
    for row, conf in zip(best, confidence, strict=True):
        keep = np.ones(len(row), bool)
        keep[1:] = row[1:] != row[:-1]
        keep &= row != 0
        chars = [charset[i] if i < len(charset) else "" for i in row[keep]]
        text = "".join(chars).strip()
        out.append((text, float(conf[keep].mean()) if keep.any() else 0.0))
    return out


def group_by_width(crops: list[np.ndarray], max_batch: int = 16) -> list[list[int]]:
    """Indices of crops in batches of similar aspect ratio (less padding, so less work)."""
    order = sorted(range(len(crops)), key=lambda i: crops[i].shape[1] / max(crops[i].shape[0], 1))
    return [order[i:i + max_batch] for i in range(0, len(order), max_batch)]


def text_blocks(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped into blocks as a page is laid out: a line joins the block whose last line ends at
    most about one line height above it (or below its top: the boxes of rotated lines overlap) and
    overlaps it horizontally; so columns side by side stay apart and a paragraph's lines stay together.
    Blocks top to bottom; within a block the lines keep the order they were given in (the detector's
    reading order, which follows a rotated page's slant; their boxes' tops do not)."""
    position = {id(line): index for index, line in enumerate(lines)}
    blocks: list[list[Line]] = []
    for line in sorted(lines, key=lambda item: (item.y1, item.x1)):
        height = max(1.0, line.y2 - line.y1)
        best, best_gap = None, None
        for block in blocks:
            last = block[-1]
            gap = line.y1 - last.y2
            limit = 1.2 * max(height, last.y2 - last.y1)
            overlap = min(line.x2, last.x2) - max(line.x1, last.x1)
            if gap <= limit and overlap > 0 and (best_gap is None or gap < best_gap):
                best, best_gap = block, gap
        if best is None:
            blocks.append([line])
        else:
            best.append(line)
    for block in blocks:
        block.sort(key=lambda item: position[id(item)])
    blocks.sort(key=lambda block: (min(item.y1 for item in block), min(item.x1 for item in block)))
    return blocks


def image_texts(lines: list[Line]) -> list[str]:
    """What is scored for one image: all its text, then (when it has several blocks) each block with at
    least MIN_BLOCK_CHARS characters, the longest MAX_BLOCKS of them, as refusal.ScreenText (windowed by
    width). When those blocks hold every line, the whole text is scored whole only (refusal.Whole): its
    windows would repeat the blocks' windows, and on a text-heavy page they are what pushes it past the
    interactive deadline."""
    if not lines:
        return []
    whole = "\n".join(item.text for item in lines)  # in the detector's reading order
    blocks = ["\n".join(item.text for item in block) for block in text_blocks(lines)]
    if len(blocks) <= 1:
        return [refusal.ScreenText(whole)]
    kept = sorted((block for block in blocks if len(block) >= MIN_BLOCK_CHARS), key=len, reverse=True)[:MAX_BLOCKS]
    covered = len(kept) == len(blocks)
    return [refusal.Whole(whole) if covered else refusal.ScreenText(whole)] + [refusal.ScreenText(b) for b in kept]


def request_texts(images_lines: list[list[Line]]) -> list[str]:
    """The texts scored for a request's images: every image's whole text first (in image order), then
    the blocks of the busy pages, so the cap on strings per call (refusal.pieces) never drops an
    image's text for another image's blocks."""
    texts = [image_texts(lines) for lines in images_lines if lines]
    return [t[0] for t in texts] + [block for t in texts for block in t[1:]]
