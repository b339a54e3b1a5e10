"""Face detection with BlazeFace full-range: letterbox to 192x192, decode 2304 anchors, weighted NMS.

At 192x192 the detector misses faces narrower than about 1/13 of the photo's longer side (a face under
100 px in a 1280x960 street or group photo). A larger photo is therefore also read in overlapping tiles
(`views`): 2x2 tiles of 60 % of each side from 384 px on (faces down to about 1/21 of the longer side),
or, from 1024 px on, 3x3 tiles of 42 % instead (about 1/35; they overlap by 13 % of a side, more than the
faces the whole view misses, so the 2x2 tiles would add nothing). Detections are mapped back to the photo and
merged across views (`merge`). The tiles need a higher score: zoomed in, star fields and textures
start to look like faces (`TILE_SCORE`). In 2x2 tiles 0.55: the far faces of the eval's photos shrunk
to 480-900 px, where only the tiles find them, scored 0.60-0.95 there (3 of 23 under 0.5, missed at any
of these thresholds), while on 468 photos of that size without a person a circuit board scored 0.64, a
baboon 0.53 and a street 0.50. In 3x3 tiles 0.65. The tiles are read only when the whole photo
shows no face: the policy asks whether a face is there, not how many, and a tile costs as much as
the whole photo (so a portrait costs one view, a photo without a face 7 or 12).

The full-range model also misses a face that fills most of the view (a head-and-shoulders portrait, a
selfie, an ID photo: 3 of 100 of scikit-image's LFW face crops found, none once the face box is wider
than about 0.9 of the photo). The second look therefore also reads the whole photo zoomed out (`ZOOM`:
shrunk to a third of the input, centred on a black canvas), where such faces are the size the model
knows. It asks a higher score too (`ZOOM_SCORE`): at 0.5 the zoomed view found faces on coins, a star
field and a logo; at 0.6 none on the bundled object photos and screenshots (393) nor on LFW's 100
non-face crops. The zoomed view is read twice, as is and mirrored (`View.mirrored`): the detector is not
symmetric, and a face turned a little to one side (the bundled cameraman, close up) scores 0.59 one way
and 0.64 the other. With both, 99 of those 100 crops are found (96 unmirrored, at 256 px), still none of
the non-faces. A face the zoomed view finds must also be large (`ZOOM_MIN_SIZE`: its box at least half
the photo's longer side; the whole view finds faces up to about 0.9): the faces it is there for measured
0.72-1.0, while what it found at 0.6 or more on OpenCV's 93 sample photos, which have no close-up face,
measured 0.12-0.39 (a squirrel, the OpenCV logo, a cartoon robot, and faces the whole view finds too).
"""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np

MODEL = "face_detector"
MAX_BATCH = 16  # the model's max_batch_size in config.pbtxt
SIZE = 192
GRID = 48
_CENTERS = (np.arange(GRID, dtype=np.float32) + 0.5) / GRID
ANCHORS = np.stack(np.meshgrid(_CENTERS, _CENTERS), -1).reshape(-1, 2)  # (x, y) per anchor, row-major


# (tiles per side, share of the side each tile covers, the photo's longer side from which they are read);
# the finest tiling the photo is large enough for is read
TILINGS = ((2, 0.6, 2 * SIZE), (3, 0.42, 1024))
TILE_SCORE = {2: 0.55, 3: 0.65}  # minimum score of a detection in such tiles (and the configured threshold)
ZOOM = 3.0  # the zoomed-out view: the photo's longer side is SIZE / ZOOM
ZOOM_SCORE = 0.6  # minimum score of a detection in the zoomed-out view
ZOOM_MIN_SIZE = 0.5  # minimum size of a detection in the zoomed-out view, as a share of the photo's longer side


@dataclasses.dataclass(frozen=True)
class View:
    x: int
    y: int
    width: int
    height: int
    tiles: int  # tiles per side of the view's tiling (1: the whole photo)
    zoom: float = 1.0  # > 1: the view is shrunk by this factor onto the model's input
    mirrored: bool = False  # the view is flipped left to right onto the model's input

    @property
    def min_score(self) -> float:
        return max(TILE_SCORE.get(self.tiles, 0.0), ZOOM_SCORE if self.zoom > 1 else 0.0)

    @property
    def min_size(self) -> float:
        return ZOOM_MIN_SIZE if self.zoom > 1 else 0.0

    @property
    def second_look(self) -> bool:
        """Read only when the whole photo at its plain size shows no face."""
        return self.tiles > 1 or self.zoom > 1


@dataclasses.dataclass(frozen=True)
class Letterbox:
    scale: float
    pad_x: int
    pad_y: int
    width: int  # of the whole photo: boxes are clipped to it
    height: int
    view: View | None = None  # which view of the photo the model read (None: the whole photo, as is)

    @property
    def origin_x(self) -> int:  # where the view starts in the photo
        return self.view.x if self.view else 0

    @property
    def origin_y(self) -> int:
        return self.view.y if self.view else 0


@dataclasses.dataclass(frozen=True)
class Face:
    x1: float
    y1: float
    x2: float
    y2: float
    score: float


def views(height: int, width: int) -> list[View]:
    """The whole photo first, then the second look: the whole photo zoomed out (as is and mirrored), and
    the tiles its size calls for (see the module docstring)."""
    found = [View(0, 0, width, height, 1), View(0, 0, width, height, 1, ZOOM),
             View(0, 0, width, height, 1, ZOOM, mirrored=True)]
    fitting = [tiling for tiling in TILINGS if max(height, width) >= tiling[2]]
    if fitting:
        tiles, share, _min_side = max(fitting)
        tile_h, tile_w = int(np.ceil(height * share)), int(np.ceil(width * share))
        for y in np.linspace(0, height - tile_h, tiles).round().astype(int):
            for x in np.linspace(0, width - tile_w, tiles).round().astype(int):
                found.append(View(int(x), int(y), tile_w, tile_h, tiles))
    return found


def prepare(image: np.ndarray, second_look: bool = False) -> list[tuple[np.ndarray, Letterbox]]:
    """One photo -> a tensor and its letterbox per view: the whole photo, or (second_look=True) the
    zoomed-out views and the tiles."""
    height, width = image.shape[:2]
    prepared = []
    for view in views(height, width):
        if view.second_look != second_look:
            continue
        tensor, box = preprocess(image[view.y:view.y + view.height, view.x:view.x + view.width], view.zoom)
        if view.mirrored:
            tensor = np.ascontiguousarray(tensor[:, :, ::-1])
        prepared.append((tensor, dataclasses.replace(box, width=width, height=height, view=view)))
    return prepared


def preprocess(image: np.ndarray, zoom: float = 1.0) -> tuple[np.ndarray, Letterbox]:
    """RGB uint8 (H, W, 3) -> float32 (3, 192, 192) in [-1, 1], aspect ratio kept with padding; zoom > 1
    shrinks the photo further, centred."""
    height, width = image.shape[:2]
    scale = SIZE / (max(height, width) * zoom)
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
    """Model outputs for ONE view -> faces in the photo's pixel coordinates, best first; those under the
    view's minimum score or size are dropped."""
    view = box.view or View(0, 0, box.width, box.height, 1)
    threshold = max(threshold, view.min_score)
    probs = 1.0 / (1.0 + np.exp(-np.clip(scores.reshape(-1), -100, 100)))
    keep = np.nonzero(probs >= threshold)[0]
    if keep.size == 0:
        return []
    reg = regressors.reshape(-1, 16)[keep] / SIZE
    centers = ANCHORS[keep] + reg[:, :2]
    half = reg[:, 2:4] / 2
    boxes = np.concatenate([centers - half, centers + half], axis=1) * SIZE  # letterbox pixels
    if view.mirrored:  # back to the unflipped input: x -> SIZE - x, so the left and right edges swap
        boxes[:, [0, 2]] = SIZE - boxes[:, [2, 0]]
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
        x1, y1, x2, y2 = ((merged - [box.pad_x, box.pad_y, box.pad_x, box.pad_y]) / box.scale
                          + [box.origin_x, box.origin_y, box.origin_x, box.origin_y]).tolist()
        found = Face(max(0.0, x1), max(0.0, y1), min(float(box.width), x2), min(float(box.height), y2),
                     float(probs[group[0]]))
        if max(found.x2 - found.x1, found.y2 - found.y1) >= view.min_size * max(box.width, box.height):
            faces.append(found)
        remaining = remaining[overlap < iou_threshold]
    return faces


def merge(faces: list[Face], iou_threshold: float = 0.3, inside: float = 0.6) -> list[Face]:
    """Faces found in several views of one photo -> one per face, best first: a face overlapping a
    better one is dropped (IoU, or most of the smaller box inside the other: a tile's edge cut through
    the face, or a looser box around it from a coarser view)."""
    kept: list[Face] = []
    for candidate in sorted(faces, key=lambda f: -f.score):
        box = np.array([candidate.x1, candidate.y1, candidate.x2, candidate.y2])
        if kept:
            others = np.array([[f.x1, f.y1, f.x2, f.y2] for f in kept])
            inter_w = np.clip(np.minimum(box[2], others[:, 2]) - np.maximum(box[0], others[:, 0]), 0, None)
            inter_h = np.clip(np.minimum(box[3], others[:, 3]) - np.maximum(box[1], others[:, 1]), 0, None)
            areas = np.minimum((box[2] - box[0]) * (box[3] - box[1]),
                               (others[:, 2] - others[:, 0]) * (others[:, 3] - others[:, 1]))
            contained = inter_w * inter_h / np.maximum(areas, 1e-9)
            if (_iou(box, others) >= iou_threshold).any() or (contained >= inside).any():
                continue
        kept.append(candidate)
    return kept
