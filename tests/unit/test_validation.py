"""Ingest's gate: every kind of bad input is refused with a message that names the limit."""

import io
import struct
import zlib

import pytest
from PIL import Image

from screening.v1 import screening_pb2, types_pb2
from services.ingest import validation
from services.ingest.settings import IngestSettings

LIMITS = IngestSettings(max_text_bytes=100, max_images=2, max_image_bytes=50_000, max_total_image_bytes=80_000,
                        max_pixels=1_000_000)


def png(width=32, height=24, mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), "white").save(out, format="PNG")
    return out.getvalue()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width=100_000, height=100_000) -> bytes:
    """A tiny file that declares 10 gigapixels: refused from its header, before any decoding."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) \
        + png_chunk(b"IEND", b"")


def request(text=b"hello", images=(), **kw):
    return screening_pb2.ScreenRequest(text=text, images=list(images), **kw)


def test_valid_request_passes_with_image_facts():
    valid = validation.validate(request(images=[png()]), LIMITS)
    assert valid.text == "hello"
    assert valid.images[0].info.format == "png"
    assert (valid.images[0].info.width, valid.images[0].info.height) == (32, 24)
    assert valid.tenant_id == "default"
    assert valid.slo_class == types_pb2.INTERACTIVE


@pytest.mark.parametrize("text, images, match", [
    (b"", [], "nothing to screen"),
    (b"   ", [], "nothing to screen"),
    (b"x" * 101, [], "limit is 100 bytes"),
    (b"caf\xc3", [], "not valid UTF-8"),
    (b"\xff\xfe\x00h", [], "not valid UTF-8"),
    (b"a\x00b", [], "NUL"),
])
def test_bad_text_is_refused(text, images, match):
    with pytest.raises(validation.ValidationError, match=match):
        validation.validate(request(text=text, images=images), LIMITS)


def test_too_many_images():
    with pytest.raises(validation.ValidationError, match="3 images; the limit is 2"):
        validation.validate(request(images=[png()] * 3), LIMITS)


def test_oversized_image_and_total():
    big = png() + b"\x00" * 60_000
    with pytest.raises(validation.ValidationError, match="limit is 50,000"):
        validation.validate(request(images=[big]), LIMITS)
    with pytest.raises(validation.ValidationError, match="images total"):
        validation.validate(request(images=[png() + b"\x00" * 45_000, png() + b"\x00" * 45_000]), LIMITS)


@pytest.mark.parametrize("data, match", [
    (b"", "not a supported image"),
    (b"%PDF-1.7 not an image", "not a supported image"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "corrupt or truncated"),
    (png()[:-30], "corrupt or truncated"),
    (bomb_png(), "exceeds the limit of 1,000,000 pixels"),
])
def test_bad_images_are_refused(data, match):
    with pytest.raises(validation.ValidationError, match=match):
        validation.validate(request(images=[data]), LIMITS)


def test_truncated_jpeg_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (64, 64), "red").save(out, format="JPEG")
    with pytest.raises(validation.ValidationError, match="image 0: jpeg is corrupt or truncated"):
        validation.validate(request(images=[out.getvalue()[: len(out.getvalue()) // 2]]), LIMITS)


def test_hostile_ids_and_unknown_slo():
    with pytest.raises(validation.ValidationError, match="tenant_id may contain only"):
        validation.validate(request(tenant_id="a b;rm -rf"), LIMITS)
    with pytest.raises(validation.ValidationError, match="client_request_id has 129 characters"):
        validation.validate(request(client_request_id="x" * 129), LIMITS)
    with pytest.raises(validation.ValidationError, match="slo_class 7 is unknown"):
        validation.validate(request(slo_class=7), LIMITS)


def test_image_only_request_is_valid():
    assert validation.validate(request(text=b"", images=[png()]), LIMITS).text == ""


def animated(frames: int, fmt="GIF", size=(40, 30)) -> bytes:
    """An animated image whose frames differ (so none is dropped as a repeat)."""
    shots = [Image.new("RGB", size, (index * 20 % 256, 255 - index * 20 % 256, 90)) for index in range(frames)]
    out = io.BytesIO()
    shots[0].save(out, format=fmt, save_all=True, append_images=shots[1:], duration=100, loop=0)
    return out.getvalue()


def test_every_frame_counts_against_the_request_frame_limit():
    limits = IngestSettings(max_text_bytes=100, max_images=2, max_image_bytes=50_000, max_total_image_bytes=80_000,
                            max_pixels=1_000_000, max_frames=6)
    assert [image.info.frames for image in validation.validate(request(images=[animated(4), png()]), limits).images] \
        == [4, 1]
    with pytest.raises(validation.ValidationError, match="carry 7 frames in all; the limit is 6 per request"):
        validation.validate(request(images=[animated(4), animated(3)]), limits)
    with pytest.raises(validation.ValidationError, match="gif has 9 frames; the limit is 6"):
        validation.validate(request(images=[animated(9)]), limits)
    with pytest.raises(validation.ValidationError, match="webp has 8 frames"):
        validation.validate(request(images=[animated(8, "WEBP")]), limits)


def test_animated_image_truncated_in_a_later_frame_is_refused():
    data = animated(3, size=(64, 48))
    with pytest.raises(validation.ValidationError, match="image 0: gif is corrupt or truncated"):
        validation.validate(request(images=[data[: len(data) - 40]]), LIMITS)
