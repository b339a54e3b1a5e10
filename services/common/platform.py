"""Settings every service shares: where Kafka, Triton and the telemetry sink are."""

from __future__ import annotations

import dataclasses

from services.common.settings import load, require

PREFIX = "SCREENING_"
CLASSIFIERS = ("face", "nsfw", "ocr", "refusal")
IMAGE_CLASSIFIERS = ("face", "nsfw", "ocr")
ENABLED_BY_DEFAULT = CLASSIFIERS


@dataclasses.dataclass(frozen=True)
class PlatformSettings:
    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    topic_partitions: int = 6
    # Largest event on Kafka; the broker's message.max.bytes must be at least this.
    kafka_max_message_bytes: int = 20 * 1024 * 1024
    triton_grpc_url: str = "127.0.0.1:18001"
    # Prepared model files (`screening models prepare --dest ...`): Triton's models and the OCR charset.
    model_dir: str = "/opt/screening/models"
    # Which classifiers run. Ingest derives each request's expected verdicts from this list.
    classifiers: tuple = ENABLED_BY_DEFAULT
    # none | file | otlp. `file` writes spans as JSON lines into telemetry_dir (the local stack);
    # `otlp` sends them to OTEL_EXPORTER_OTLP_ENDPOINT (the cluster).
    otel_exporter: str = "none"
    telemetry_dir: str = ""
    log_level: str = "info"

    def validate(self) -> None:
        require(self.topic_partitions > 0, "SCREENING_TOPIC_PARTITIONS must be a positive integer")
        unknown = set(self.classifiers) - set(CLASSIFIERS)
        require(not unknown, f"SCREENING_CLASSIFIERS names unknown classifiers {sorted(unknown)}; "
                             f"choose from {', '.join(CLASSIFIERS)}")
        require(self.otel_exporter in ("none", "file", "otlp"),
                f"SCREENING_OTEL_EXPORTER={self.otel_exporter!r}: choose none, file or otlp")
        require(self.otel_exporter != "file" or bool(self.telemetry_dir),
                "SCREENING_OTEL_EXPORTER=file needs SCREENING_TELEMETRY_DIR (a folder to write spans to)")
        require(self.log_level in ("debug", "info", "warning", "error"),
                f"SCREENING_LOG_LEVEL={self.log_level!r}: choose debug, info, warning or error")

    def expected_classifiers(self, image_count: int) -> list[str]:
        """The verdicts a request waits for: no image, no image classifiers."""
        return [c for c in self.classifiers if image_count > 0 or c not in IMAGE_CLASSIFIERS]


def load_platform(environ=None) -> PlatformSettings:
    return load(PlatformSettings, PREFIX, environ)
