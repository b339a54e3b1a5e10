import io

import numpy as np
from PIL import Image

from services.common import images


def encode(img, fmt="PNG", **kw) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **kw)
    return out.getvalue()


def test_sniff_formats():
    assert images.sniff(encode(Image.new("RGB", (4, 4)))) == "png"
    assert images.sniff(encode(Image.new("RGB", (4, 4)), "JPEG")) == "jpeg"
    assert images.sniff(encode(Image.new("RGB", (4, 4)), "WEBP")) == "webp"
    assert images.sniff(encode(Image.new("RGB", (4, 4)), "GIF")) == "gif"
    assert images.sniff(b"hello") is None


def test_transparent_png_is_composited_on_white():
    rgba = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    rgba.putpixel((1, 1), (0, 0, 0, 255))
    array = images.decode_rgb(encode(rgba))
    assert array.shape == (8, 8, 3)
    assert array[0, 0].tolist() == [255, 255, 255]
    assert array[1, 1].tolist() == [0, 0, 0]


def test_light_drawing_on_transparency_is_composited_on_black():
    rgba = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    rgba.putpixel((1, 1), (255, 255, 255, 255))  # white text on a transparent sticker
    array = images.decode_rgb(encode(rgba))
    assert array[0, 0].tolist() == [0, 0, 0] and array[1, 1].tolist() == [255, 255, 255]
    assert images.decode_rgb(encode(Image.new("RGBA", (4, 4), (0, 0, 0, 0))))[0, 0].tolist() == [255, 255, 255]


def test_decode_caps_the_longer_side_and_applies_exif_orientation():
    wide = Image.new("RGB", (400, 100), "blue")
    assert images.decode_rgb(encode(wide), max_side=200).shape == (50, 200, 3)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when displayed
    rotated = images.decode_rgb(encode(Image.new("RGB", (40, 10)), "JPEG", exif=exif))
    assert rotated.shape == (40, 10, 3)


def test_inspect_reports_size_and_hash():
    data = encode(Image.fromarray(np.zeros((5, 7, 3), np.uint8)))
    info = images.inspect(data, max_pixels=100)
    assert (info.width, info.height, info.format, info.size_bytes) == (7, 5, "png", len(data))
    assert len(info.sha256) == 64


def test_decode_frames_gives_every_distinct_frame_of_an_animated_image():
    red, blue = Image.new("RGB", (30, 20), (255, 0, 0)), Image.new("RGB", (30, 20), (0, 0, 255))
    for fmt in ("GIF", "WEBP", "PNG"):
        out = io.BytesIO()
        red.save(out, format=fmt, save_all=True, append_images=[red, blue, red], duration=100, loop=0, lossless=True)
        frames = images.decode_frames(out.getvalue())
        assert [tuple(frame[5, 5]) for frame in frames] == [(255, 0, 0), (0, 0, 255), (255, 0, 0)], fmt
        assert images.inspect(out.getvalue(), max_pixels=10_000).frames == Image.open(out).n_frames >= 3, fmt
        assert np.array_equal(images.decode_rgb(out.getvalue()), frames[0]), fmt
    assert len(images.decode_frames(encode(red))) == 1
