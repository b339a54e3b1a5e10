"""Checks a ScreenRequest against the limits before anything is published. Pure functions."""

from __future__ import annotations

import dataclasses
import re

from screening.v1 import types_pb2
from services.common import images
from services.ingest.settings import IngestSettings

_ID = re.compile(r"^[A-Za-z0-9._:@/-]*$")


class ValidationError(ValueError):
    """The request is invalid; the message says what is wrong and what the limit is."""


@dataclasses.dataclass(frozen=True)
class ValidImage:
    data: bytes
    info: images.ImageInfo


@dataclasses.dataclass(frozen=True)
class ValidRequest:
    text: str
    images: list[ValidImage]
    tenant_id: str
    client_request_id: str
    slo_class: int


def _check_id(name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise ValidationError(f"{name} has {len(value)} characters; the limit is {limit}")
    if not _ID.match(value):
        raise ValidationError(f"{name} may contain only letters, digits and . _ : @ / -")


def validate(request, limits: IngestSettings) -> ValidRequest:
    """Returns the validated request or raises ValidationError."""
    raw = bytes(request.text)
    if len(raw) > limits.max_text_bytes:
        raise ValidationError(f"text is {len(raw):,} bytes; the limit is {limits.max_text_bytes:,} bytes of UTF-8")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"text is not valid UTF-8 (byte {exc.start}: {exc.reason}); send UTF-8") from None
    if "\x00" in text:
        raise ValidationError("text contains a NUL character; remove it")
    if len(request.images) > limits.max_images:
        raise ValidationError(f"{len(request.images)} images; the limit is {limits.max_images} per request")
    if not text.strip() and not request.images:
        raise ValidationError("nothing to screen: send a text, an image, or both")
    _check_id("tenant_id", request.tenant_id, limits.max_id_chars)
    _check_id("client_request_id", request.client_request_id, limits.max_id_chars)
    if request.slo_class not in types_pb2.SloClass.values():
        raise ValidationError(f"slo_class {request.slo_class} is unknown; use INTERACTIVE or BATCH")
    total = sum(len(data) for data in request.images)
    if total > limits.max_total_image_bytes:
        raise ValidationError(f"images total {total:,} bytes; the limit is {limits.max_total_image_bytes:,} bytes")
    checked = []
    for index, data in enumerate(request.images):
        if len(data) > limits.max_image_bytes:
            raise ValidationError(f"image {index} is {len(data):,} bytes; the limit is {limits.max_image_bytes:,}")
        try:
            info = images.inspect(bytes(data), limits.max_pixels, limits.max_frames)
        except images.ImageError as exc:
            raise ValidationError(f"image {index}: {exc}") from None
        checked.append(ValidImage(bytes(data), info))
    frames = sum(image.info.frames for image in checked)
    if frames > limits.max_frames:
        raise ValidationError(f"the images carry {frames} frames in all; the limit is {limits.max_frames} per request "
                              f"(every frame of an animated image is screened): send fewer frames or a still image")
    slo = request.slo_class or types_pb2.INTERACTIVE
    return ValidRequest(text, checked, request.tenant_id or "default", request.client_request_id, slo)
