"""Image inspection (ingest's gate) and decoding (the workers' input), with hard limits.

`inspect` detects the format from the bytes, reads the declared size from the header BEFORE any
pixel is decoded (so a decompression bomb is refused for its pixel count, not after it filled the
memory), then decodes fully to prove the file is whole. `decode_frames` gives the workers an RGB array
per frame: every frame of an animated GIF, WebP or PNG is screened, since a model downstream may read
any of them and a harmful text or explicit picture could sit in a later frame.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import warnings

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

ImageFile.LOAD_TRUNCATED_IMAGES = False
# Pillow's own bomb guard would fire inside Image.open with a generic message; we check the declared
# size ourselves (stricter, configurable) before any pixel is decoded, and keep a hard cap in decode_rgb.
Image.MAX_IMAGE_PIXELS = None
HARD_MAX_PIXELS = 200_000_000
HARD_MAX_FRAMES = 100  # frames decoded from one image at most, whatever ingest was configured to accept

_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)
FORMATS = ("png", "jpeg", "gif", "webp", "bmp")


class ImageError(ValueError):
    """The bytes are not an acceptable image; the message says why and what the limit is."""


@dataclasses.dataclass(frozen=True)
class ImageInfo:
    format: str
    width: int
    height: int
    sha256: str
    size_bytes: int
    frames: int = 1  # an animated image's frame count


def sniff(data: bytes) -> str | None:
    """The image format named by the file's magic bytes, or None."""
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    for magic, name in _SIGNATURES:
        if data.startswith(magic):
            return name
    return None


def inspect(data: bytes, max_pixels: int, max_frames: int = HARD_MAX_FRAMES) -> ImageInfo:
    fmt = sniff(data)
    if fmt is None:
        head = data[:8].hex()
        raise ImageError(f"not a supported image (first bytes {head or 'empty'}); send PNG, JPEG, WebP, GIF or BMP")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt.upper()]) as img:
                width, height = img.size
                if width <= 0 or height <= 0:
                    raise ImageError(f"{fmt} declares an empty size {width}x{height}")
                if width * height > max_pixels:
                    raise ImageError(f"{fmt} of {width}x{height} = {width * height:,} pixels exceeds the limit of "
                                     f"{max_pixels:,} pixels; downscale it before sending")
                frames = getattr(img, "n_frames", 1)
                _draft(img, max(1, min(width, height) // 8))  # every byte is still decoded: truncation shows
                if frames > max_frames:
                    raise ImageError(f"{fmt} has {frames} frames; the limit is {max_frames} (every frame is screened): "
                                     f"send a still image or fewer frames")
                for index in range(frames):  # every frame is screened, so every frame must be whole
                    img.seek(index)
                    img.load()
    except ImageError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageError(f"{fmt} is corrupt or truncated ({type(exc).__name__}: {exc}); send the whole file") from None
    return ImageInfo(fmt, width, height, hashlib.sha256(data).hexdigest(), len(data), frames)


def decode_rgb(data: bytes, max_side: int = 1536) -> np.ndarray:
    """The first frame as an RGB uint8 array (H, W, 3); see `decode_frames`."""
    return decode_frames(data, max_side, max_frames=1)[0]


def decode_frames(data: bytes, max_side: int = 1536, max_frames: int = HARD_MAX_FRAMES) -> list[np.ndarray]:
    """Every frame as an RGB uint8 array (H, W, 3), in order (a still image: one); a frame equal to the
    one before it is dropped. EXIF orientation applied, transparency composited on white, or on black when
    what is drawn is light (so dark or white text on a transparent image stays readable), the longer side
    capped at `max_side`. Call only on bytes that passed `inspect` (which also limits the frame count)."""
    with Image.open(io.BytesIO(data)) as img:
        if img.size[0] * img.size[1] > HARD_MAX_PIXELS:
            raise ImageError(f"{img.size[0]}x{img.size[1]} exceeds {HARD_MAX_PIXELS:,} pixels")
        _draft(img, max(1, round(min(img.size) * max_side / max(img.size))))
        frames: list[np.ndarray] = []
        for index in range(min(getattr(img, "n_frames", 1), max_frames, HARD_MAX_FRAMES)):
            img.seek(index)
            array = _rgb(img, max_side)
            if not frames or not np.array_equal(array, frames[-1]):
                frames.append(array)
        return frames


def _draft(img: Image.Image, shorter_side: int) -> None:
    """Lets a still JPEG larger than needed be decoded at 1/2, 1/4 or 1/8 of its size (libjpeg's DCT
    scaling: a 4032x4032 photo in 13 ms instead of 85), its shorter side never below `shorter_side`.
    libjpeg still reads every byte, so a truncated file fails as it does when decoded whole. Other
    formats, and a JPEG with several pictures (MPO), are decoded whole."""
    if img.format == "JPEG" and getattr(img, "n_frames", 1) == 1 and min(img.size) >= 2 * shorter_side:
        width, height = img.size
        scale = min(width, height) / shorter_side
        img.draft(img.mode, (max(1, int(width / scale)), max(1, int(height / scale))))


def _rgb(frame: Image.Image, max_side: int) -> np.ndarray:
    img = ImageOps.exif_transpose(frame)
    if img.mode in ("RGBA", "LA", "P", "PA") or "transparency" in img.info:
        img = img.convert("RGBA")
    else:
        img = img.convert("RGB")
    if max(img.size) > max_side:
        img.thumbnail((max_side, max_side), Image.BILINEAR)
    if img.mode == "RGBA":
        img = Image.alpha_composite(Image.new("RGBA", img.size, _backdrop(img)), img).convert("RGB")
    return np.asarray(img, dtype=np.uint8)


def _backdrop(rgba: Image.Image) -> tuple[int, int, int, int]:
    """What transparency is composited on: white, or black where what is drawn is light (white text on
    a transparent sticker would vanish on white and go unread)."""
    small = rgba.copy()
    small.thumbnail((256, 256), Image.BOX)
    pixels = np.asarray(small, dtype=np.float32)
    alpha = pixels[..., 3] / 255.0
    if alpha.sum() < 1.0:
        return 255, 255, 255, 255
    luminance = pixels[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)
    return (0, 0, 0, 255) if float((luminance * alpha).sum() / alpha.sum()) > 160 else (255, 255, 255, 255)
