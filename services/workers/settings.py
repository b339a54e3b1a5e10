"""Worker settings (environment prefix SCREENING_WORKERS_)."""

from __future__ import annotations

import dataclasses

from services.common.settings import load, require

PREFIX = "SCREENING_WORKERS_"


@dataclasses.dataclass(frozen=True)
class WorkerSettings:
    # Requests one consumer replica screens at once (Kafka offsets are committed in order behind them).
    # Size it to what the models' CPUs or GPUs serve within the deadline: requests beyond it share the
    # hardware and all finish late; the local stack sets two per core.
    max_in_flight: int = 32
    consumer_replicas: int = 1
    # Kafka static group membership (KIP-345) for the request consumer: each replica joins as
    # "<this>-<its Serve replica rank>". A replica that replaces a dead one gets the dead one's rank, so it
    # takes the partitions back at once instead of after the dead member's 10 s session time-out. Must
    # differ between Ray clusters that share the consumer group (the local stack: "workers-local"; the
    # chart: the pod's name). Empty: off.
    group_instance_id: str = ""
    # Longer image side after decoding; the models downscale further.
    max_decode_side: int = 1536
    face_threshold: float = 0.5
    # Read a photo without a face again, zoomed out and in overlapping tiles, to find faces that fill the
    # photo and small faces (see classifiers/face.py); false saves that face-model time on photos without a
    # face and misses faces wider than about 0.9 of the photo or narrower than about 1/13 of it.
    face_tiles: bool = True
    # ...but only when the request asks about a person: the prompt's (or the image text's) highest
    # person-directed score (identification, sensitive trait, ungrounded inference) reaches this. Below it
    # the face cannot change the decision (the policy's person-directed thresholds are higher; should a
    # tenant's be lower, the policy fails closed on the skipped search), and the second look, as costly as
    # OCR on a photo without a face, is skipped. 0: always read the second look.
    face_second_look_trigger: float = 0.2
    # OCR: longer side of the detector's input (multiple of 32; larger reads smaller text, costs more),
    # and the confidence below which a recognised line is dropped.
    ocr_limit_side: int = 960
    ocr_min_confidence: float = 0.5
    # Extra time a classifier call gets past the request's deadline before it is reported as failed.
    classifier_grace_ms: int = 2000
    # A request whose deadline passed more than this long ago when the workers reach it is not screened:
    # the decision service has refused it at its deadline (fail closed), and screening it would only take
    # the CPU from requests that can still be answered in time (at 32 in flight, beyond what two cores
    # serve within the 3 s interactive deadline, 71 % of requests timed out without this). The margin
    # covers clock skew between ingest's host and this one. -1: screen every request.
    skip_expired_after_ms: int = 250
    # Seconds with records waiting but none fetched after which the Kafka consumer is recreated.
    stall_check_s: float = 1.0
    # Ray: CPUs the local Ray node advertises (0 = all of this machine's), and the health port.
    ray_num_cpus: int = 0
    health_port: int = 8082
    health_host: str = "127.0.0.1"

    def validate(self) -> None:
        require(self.max_in_flight > 0, "SCREENING_WORKERS_MAX_IN_FLIGHT must be positive")
        require(self.consumer_replicas > 0, "SCREENING_WORKERS_CONSUMER_REPLICAS must be positive")
        require(0.0 < self.face_threshold < 1.0, "SCREENING_WORKERS_FACE_THRESHOLD must be between 0 and 1")
        require(0.0 <= self.face_second_look_trigger < 1.0,
                "SCREENING_WORKERS_FACE_SECOND_LOOK_TRIGGER must be in [0, 1) (0: always read the second look)")


def load_workers(environ=None, **overrides) -> WorkerSettings:
    return load(WorkerSettings, PREFIX, environ, **overrides)
