import io

import numpy as np
import pytest
from PIL import Image, ImageOps

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


def _photo(width: int, height: int) -> Image.Image:
    """A textured picture (a flat one would compress to nothing): gradients and noise."""
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:height, 0:width]
    base = np.stack([x * 255 // width, y * 255 // height, (x + y) % 256], -1)
    return Image.fromarray(np.clip(base + rng.integers(-20, 20, base.shape), 0, 255).astype(np.uint8))


def test_a_large_jpeg_is_decoded_reduced_and_matches_a_whole_decode():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees when displayed
    data = encode(_photo(3200, 2400), "JPEG", quality=90, exif=exif)
    array = images.decode_rgb(data, max_side=1000)
    assert array.shape == (1000, 750, 3)  # capped, and turned by its EXIF orientation
    with Image.open(io.BytesIO(data)) as whole:  # decoded whole, then the same steps
        reference = ImageOps.exif_transpose(whole.convert("RGB"))
        reference.thumbnail((1000, 1000), Image.BILINEAR)
    assert np.abs(array.astype(int) - np.asarray(reference, dtype=int)).mean() < 6


def test_a_truncated_large_jpeg_is_refused_though_read_reduced():
    data = encode(_photo(2400, 1800), "JPEG", quality=90)
    assert images.inspect(data, max_pixels=10_000_000).width == 2400
    for cut in (0.5, 0.95):
        with pytest.raises(images.ImageError, match="corrupt or truncated"):
            images.inspect(data[: int(len(data) * cut)], max_pixels=10_000_000)
