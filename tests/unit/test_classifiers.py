"""Pre- and post-processing of the image classifiers, without Triton."""

import numpy as np

from services.workers.classifiers import face, nsfw


def test_face_preprocess_letterboxes_and_scales():
    image = np.full((100, 200, 3), 255, np.uint8)
    tensor, box = face.preprocess(image)
    assert tensor.shape == (3, 192, 192) and tensor.dtype == np.float32
    assert box.scale == 192 / 200 and box.pad_y == (192 - 96) // 2 and box.pad_x == 0
    assert tensor.max() <= 1.0 and tensor.min() >= -1.0
    assert tensor[:, 0, 0].tolist() == [-1.0, -1.0, -1.0]  # padding is black


def test_face_postprocess_maps_one_anchor_back_to_image_pixels():
    regressors = np.zeros((2304, 16), np.float32)
    scores = np.full((2304, 1), -10.0, np.float32)
    anchor = 24 * 48 + 24  # the centre cell
    scores[anchor] = 5.0
    regressors[anchor, 2:4] = [48.0, 48.0]  # a 48x48 box in the 192 letterbox
    image = np.zeros((100, 200, 3), np.uint8)
    _tensor, box = face.preprocess(image)
    faces = face.postprocess(regressors, scores, box, threshold=0.5)
    assert len(faces) == 1
    found = faces[0]
    centre = ((24.5 / 48) * 192 - box.pad_x) / box.scale, ((24.5 / 48) * 192 - box.pad_y) / box.scale
    assert abs((found.x1 + found.x2) / 2 - centre[0]) < 1e-3
    assert abs((found.y2 - found.y1) - 48 / box.scale) < 1e-3
    assert found.score > 0.99


def test_face_postprocess_merges_overlapping_detections():
    regressors = np.zeros((2304, 16), np.float32)
    regressors[:, 2:4] = 40.0
    scores = np.full((2304, 1), -10.0, np.float32)
    scores[[24 * 48 + 24, 24 * 48 + 25]] = 4.0  # neighbouring anchors, one face
    faces = face.postprocess(regressors, scores, face.Letterbox(1.0, 0, 0, 192, 192))
    assert len(faces) == 1


def test_face_postprocess_nothing_above_threshold():
    assert face.postprocess(np.zeros((2304, 16)), np.full((2304, 1), -3.0), face.Letterbox(1, 0, 0, 9, 9)) == []


def test_nsfw_pre_and_post():
    tensor = nsfw.preprocess(np.zeros((50, 80, 3), np.uint8))
    assert tensor.shape == (3, 224, 224)
    assert nsfw.postprocess(np.array([0.1, 0.7, 0.2])) == {"explicit": 0.7, "gore": 0.1, "safe": 0.2}
