"""Ingest settings (environment prefix SCREENING_INGEST_)."""

from __future__ import annotations

import dataclasses

from services.common import images
from services.common.settings import load, require

PREFIX = "SCREENING_INGEST_"


@dataclasses.dataclass(frozen=True)
class IngestSettings:
    host: str = "127.0.0.1"
    port: int = 50051
    max_text_bytes: int = 16 * 1024
    max_images: int = 4
    max_image_bytes: int = 8 * 1024 * 1024
    max_total_image_bytes: int = 16 * 1024 * 1024
    max_pixels: int = 40_000_000
    # Frames in all the images of one request (a still image is one; every frame of an animated image is
    # screened, so each costs as much as a still).
    max_frames: int = 16
    max_id_chars: int = 128
    # Decision deadlines per SLO class, from acceptance (ms). The decision service applies them;
    # Screen waits for a decision until the call's own gRPC deadline or this plus a margin.
    interactive_deadline_ms: int = 3000
    batch_deadline_ms: int = 10000
    # Decisions kept in memory for GetDecision and idempotent replays.
    decision_cache_size: int = 100_000
    # On start, the decisions of this many seconds back are read from the topic into that memory (at most
    # decision_cache_size), so requests decided while this instance was down are answered; 0: none.
    decision_replay_s: int = 900
    # Largest gRPC message accepted at all; larger ones get RESOURCE_EXHAUSTED from gRPC itself.
    max_grpc_message_bytes: int = 64 * 1024 * 1024

    def validate(self) -> None:
        require(0 < self.port < 65536, f"SCREENING_INGEST_PORT={self.port}: choose a TCP port 1-65535")
        require(self.max_images >= 0, "SCREENING_INGEST_MAX_IMAGES must be >= 0")
        require(self.max_image_bytes <= self.max_total_image_bytes,
                "SCREENING_INGEST_MAX_IMAGE_BYTES must not exceed SCREENING_INGEST_MAX_TOTAL_IMAGE_BYTES")
        require(self.max_total_image_bytes + self.max_text_bytes < self.max_grpc_message_bytes,
                "SCREENING_INGEST_MAX_GRPC_MESSAGE_BYTES must exceed the text and image limits together")
        require(1 <= self.max_frames <= images.HARD_MAX_FRAMES,
                f"SCREENING_INGEST_MAX_FRAMES={self.max_frames}: choose 1-{images.HARD_MAX_FRAMES}")
        require(self.interactive_deadline_ms > 0 and self.batch_deadline_ms > 0, "deadlines must be positive")
        require(self.decision_replay_s >= 0, "SCREENING_INGEST_DECISION_REPLAY_S must be >= 0 (0: no replay)")


def load_ingest(environ=None, **overrides) -> IngestSettings:
    return load(IngestSettings, PREFIX, environ, **overrides)
