"""Pre- and post-processing of the image classifiers, without Triton."""

import dataclasses
import pathlib
import re

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


def test_face_views_zoom_out_and_tile_larger_photos_and_cover_them():
    # the whole photo, then the second look: the whole photo zoomed out as is and mirrored, then the tiles
    assert [(v.tiles, v.zoom, v.mirrored) for v in face.views(300, 380)] == [
        (1, 1.0, False), (1, face.ZOOM, False), (1, face.ZOOM, True)]
    assert [v.tiles for v in face.views(512, 512)] == [1, 1, 1] + [2] * 4
    assert [v.tiles for v in face.views(960, 1280)] == [1, 1, 1] + [3] * 9  # the finer tiling only
    assert [v.second_look for v in face.views(512, 512)] == [False] + [True] * 6
    for height, width, tiles in ((512, 700, 2), (960, 1280, 3), (1536, 40, 3)):
        covered = np.zeros((height, width), bool)
        for v in face.views(height, width)[3:]:
            assert v.tiles == tiles
            assert v.x >= 0 and v.y >= 0 and v.x + v.width <= width and v.y + v.height <= height
            covered[v.y:v.y + v.height, v.x:v.x + v.width] = True
        assert covered.all()
    # neighbouring tiles overlap by more than the faces the whole view misses (1/13 of the longer side)
    for height, width in ((512, 700), (960, 1280)):
        tiles = face.views(height, width)[3:]
        assert tiles[0].x + tiles[0].width - tiles[1].x >= width / 13


def test_face_prepare_gives_each_view_its_origin_and_the_photo_size():
    photo = np.zeros((960, 1280, 3), np.uint8)
    whole = face.prepare(photo)
    assert len(whole) == 1 and whole[0][1].view.min_score == 0.0 and whole[0][1].origin_x == 0
    prepared = face.prepare(photo, second_look=True)
    assert len(prepared) == 11 and all(t.shape == (3, 192, 192) for t, _ in prepared)
    assert [box.view.min_score for _t, box in prepared] == [face.ZOOM_SCORE] * 2 + [face.TILE_SCORE[3]] * 9
    assert [box.view.mirrored for _t, box in prepared] == [False, True] + [False] * 9
    assert len(face.prepare(np.zeros((200, 300, 3), np.uint8), second_look=True)) == 2  # zoomed out, no tiles
    last = prepared[-1][1]
    assert (last.width, last.height) == (1280, 960) and last.origin_x > 0 and last.origin_y > 0


def test_face_zoomed_out_view_shrinks_the_photo_to_a_centred_third_and_maps_boxes_back():
    photo = np.full((300, 600, 3), 255, np.uint8)
    tensor, box = face.preprocess(photo, face.ZOOM)
    drawn = np.nonzero(tensor[0] > 0.99)  # the white photo on the black canvas
    assert drawn[1].min() == box.pad_x and drawn[1].max() + 1 - box.pad_x == round(face.SIZE / face.ZOOM)
    assert abs(box.pad_x - face.SIZE / 3) <= 1 and abs(box.pad_y - (face.SIZE - face.SIZE / 6) / 2) <= 1
    regressors = np.zeros((2304, 16), np.float32)
    scores = np.full((2304, 1), -10.0, np.float32)
    anchor = 24 * 48 + 24  # the canvas centre: the photo's centre
    scores[anchor] = 5.0
    regressors[anchor, :4] = [-2.0, -2.0, 64.0, 32.0]  # the anchor sits 2 px past the centre; the whole photo
    found = face.postprocess(regressors, scores, dataclasses.replace(box, width=600, height=300))[0]
    assert np.allclose([found.x1, found.y1, found.x2, found.y2], [0, 0, 600, 300], atol=1.0)


def test_face_mirrored_view_flips_the_photo_and_maps_boxes_back_unflipped():
    photo = np.zeros((300, 360, 3), np.uint8)  # small enough for no tiles
    photo[:, :40] = 255  # a white band at the photo's left edge
    (_t, plain), (tensor, box) = face.prepare(photo, second_look=True)
    assert box.view.mirrored and not plain.view.mirrored
    drawn = np.nonzero(tensor[0] > 0.99)[1]  # the band, on the right of the mirrored input
    assert drawn.max() + 1 == face.SIZE - box.pad_x and drawn.min() > face.SIZE / 2
    regressors = np.zeros((2304, 16), np.float32)
    scores = np.full((2304, 1), -10.0, np.float32)
    anchor = 24 * 48 + 24  # the canvas centre
    scores[anchor] = 5.0
    regressors[anchor, :4] = [20.0, 0.0, 8.0, 8.0]  # a box right of the centre on the mirrored input
    box, plain = (dataclasses.replace(b, view=dataclasses.replace(b.view, zoom=1.0))  # a small box is fine here
                  for b in (box, plain))
    found = face.postprocess(regressors, scores, box)[0]
    unflipped = face.postprocess(regressors, scores, plain)[0]
    assert found.x2 < 180 < unflipped.x1  # left of the photo's centre in the photo, right of it unflipped
    assert np.isclose(360 - found.x2, unflipped.x1, atol=0.5) and np.isclose(found.y1, unflipped.y1)


def test_face_postprocess_maps_a_tile_detection_back_to_the_photo():
    regressors = np.zeros((2304, 16), np.float32)
    scores = np.full((2304, 1), -10.0, np.float32)
    anchor = 24 * 48 + 24
    scores[anchor] = 5.0
    regressors[anchor, 2:4] = [24.0, 24.0]
    whole = face.postprocess(regressors, scores, face.Letterbox(1.0, 0, 0, 1000, 800))[0]
    tile_box = face.Letterbox(1.0, 0, 0, 1000, 800, face.View(600, 500, 400, 300, 2))
    tile = face.postprocess(regressors, scores, tile_box)[0]
    assert abs(tile.x1 - whole.x1 - 600) < 1e-3 and abs(tile.y2 - whole.y2 - 500) < 1e-3


def test_face_postprocess_asks_more_of_tiles_and_of_the_zoomed_out_view():
    regressors = np.zeros((2304, 16), np.float32)
    regressors[:, 2:4] = 150.0  # a face filling most of the view, large enough for the zoomed-out one
    scores = np.full((2304, 1), -10.0, np.float32)

    def found(score: float, view: face.View) -> bool:
        scores[24 * 48 + 24] = np.log(score / (1 - score))
        box = face.Letterbox(1.0, 0, 0, 192, 192, view)
        return bool(face.postprocess(regressors, scores, box))

    whole, tile2, tile3, zoomed = (face.View(0, 0, 9, 9, 1), face.View(0, 0, 9, 9, 2), face.View(0, 0, 9, 9, 3),
                                   face.View(0, 0, 9, 9, 1, face.ZOOM))
    assert [found(0.52, view) for view in (whole, tile2, tile3, zoomed)] == [True, False, False, False]
    assert [found(0.58, view) for view in (whole, tile2, tile3, zoomed)] == [True, True, False, False]
    assert [found(0.62, view) for view in (whole, tile2, tile3, zoomed)] == [True, True, False, True]
    assert [found(0.70, view) for view in (whole, tile2, tile3, zoomed)] == [True, True, True, True]


def test_face_zoomed_out_view_keeps_only_faces_that_fill_much_of_the_photo():
    regressors = np.zeros((2304, 16), np.float32)
    scores = np.full((2304, 1), -10.0, np.float32)
    scores[24 * 48 + 24] = 3.0  # sigmoid 0.95
    photo = np.zeros((300, 300, 3), np.uint8)
    (_t, box), _mirrored = face.prepare(photo, second_look=True)
    assert box.view.min_size == face.ZOOM_MIN_SIZE and face.prepare(photo)[0][1].view.min_size == 0.0
    side = face.SIZE / face.ZOOM  # the photo's side on the zoomed-out input
    for share, kept in ((0.9, True), (0.55, True), (0.45, False), (0.15, False)):
        regressors[24 * 48 + 24, 2:4] = share * side
        assert bool(face.postprocess(regressors, scores, box)) == kept, share


def test_face_merge_keeps_one_box_per_face_across_views():
    best = face.Face(100, 100, 160, 170, 0.9)
    same = face.Face(104, 98, 163, 168, 0.7)  # the same face in a tile
    cut = face.Face(100, 100, 128, 170, 0.6)  # half of it, cut by a tile's edge
    loose = face.Face(60, 60, 200, 210, 0.52)  # a coarser view's looser box around it
    other = face.Face(400, 100, 450, 160, 0.55)
    assert face.merge([same, other, cut, loose, best]) == [best, other]
    assert face.merge([]) == []


def test_face_batches_fit_the_triton_model():
    config = pathlib.Path(__file__).parents[2] / "services/triton/models/face_detector/config.pbtxt"
    assert int(re.search(r"max_batch_size:\s*(\d+)", config.read_text()).group(1)) == face.MAX_BATCH
    assert 2 + max(tiles * tiles for tiles, _share, _side in face.TILINGS) <= face.MAX_BATCH  # zoomed out + tiles


def test_nsfw_pre_and_post():
    tensor = nsfw.preprocess(np.zeros((50, 80, 3), np.uint8))
    assert tensor.shape == (3, 224, 224)
    assert nsfw.postprocess(np.array([0.1, 0.7, 0.2])) == {"explicit": 0.7, "gore": 0.1, "safe": 0.2}


def test_nsfw_keeps_the_photos_proportions_on_a_blurred_background():
    """BlurPad, as the model's package prepares photos: a square stays a square in a 2:1 photo."""
    photo = np.full((200, 400, 3), 255, np.uint8)
    photo[50:150, 150:250] = 0  # a black 100x100 square in the middle
    gray = nsfw.preprocess(photo).mean(axis=0)
    dark = np.argwhere(gray < 64)
    height, width = dark.max(axis=0) - dark.min(axis=0) + 1
    assert abs(height - 56) <= 2 and abs(width - 56) <= 2, (height, width)  # stretched it was 112 x 56
    # above and below the fitted photo: its blurred copy (grey where the square is smeared), not black bars
    assert 0 < gray[:50].min() < 255 and gray[:50].max() == 255
