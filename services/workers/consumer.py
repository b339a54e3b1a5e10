"""The consumer deployment: reads ScreeningRequested from Kafka (consumer group), decodes the
images once, fans out to the classifier deployments through their handles, publishes one Verdict
per classifier as soon as it is ready, and commits a request's offset only after all its verdicts
are acknowledged by Kafka. A crash replays, never loses (the decision service ignores duplicates)."""

from __future__ import annotations

import asyncio
import threading
import time

import cv2
import numpy as np
import ray
from kafka import ConsumerRebalanceListener, TopicPartition
from kafka.structs import OffsetAndMetadata
from opentelemetry import trace
from ray import serve
from ray.serve.exceptions import RayServeException

from screening.v1 import events_pb2, types_pb2
from services.common import bus, images, logs, metrics, platform, telemetry, topics
from services.common.offsets import OffsetTracker
from services.workers import settings as worker_settings
from services.workers.classifier_deployments import HEALTH_CHECK_PERIOD_S
from services.workers.classifiers import refusal


class _Rebalance(ConsumerRebalanceListener):
    def __init__(self, owner: RequestConsumer):
        self._owner = owner

    def on_partitions_revoked(self, revoked):
        self._owner.commit_now()
        self._owner.tracker.forget(revoked)

    def on_partitions_assigned(self, assigned):
        self._owner.log.info("partitions_assigned", partitions=sorted(tp.partition for tp in assigned))


async def _resolve(response):
    return await response


async def asks_about_a_person(prompt_call, ocr_call, trigger: float) -> bool:
    """Whether the prompt's, else the image text's, person-directed scores reach `trigger` (awaiting the
    refusal call of the prompt, then the OCR call; a failed or missing score counts as yes: the face
    search is then finished)."""
    if prompt_call is None:
        return True
    _name, prompt = await prompt_call
    if prompt.error or refusal.asks_about_a_person(prompt.scores, trigger):
        return True
    if ocr_call is None:
        return False
    _name, read = await ocr_call
    return bool(read.error) or refusal.asks_about_a_person(read.image_text_scores, trigger)


def group_instance_id(prefix: str) -> str | None:
    """"<prefix>-<this Serve replica's rank>" (static group membership, see the setting), or None when the
    prefix is empty or this code runs outside a Serve replica."""
    if not prefix:
        return None
    try:
        rank = serve.get_replica_context().rank
    except RayServeException:  # not in a replica
        return None
    return f"{prefix}-{getattr(rank, 'rank', rank)}"


@serve.deployment(ray_actor_options={"num_cpus": 0}, max_ongoing_requests=8,
                  health_check_period_s=HEALTH_CHECK_PERIOD_S)
class RequestConsumer:
    def __init__(self, **classifiers):
        self.platform = platform.load_platform()
        self.settings = worker_settings.load_workers()
        self.log = logs.configure("workers", self.platform.log_level)
        self.tracer = telemetry.setup("workers", self.platform.otel_exporter, self.platform.telemetry_dir)
        self.instruments = metrics.setup("workers", self.platform.otel_exporter, self.platform.telemetry_dir)
        self.classifiers = classifiers
        self.tracker = OffsetTracker()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._consumer = None
        self._producer = None
        self._lock = threading.Lock()
        self._stall_watch = bus.StallWatch(self.settings.stall_check_s)
        self.warm = threading.Event()
        self._lag = 0
        self._thread = threading.Thread(target=self._run, name="request-consumer", daemon=True)
        self._thread.start()

    # -- Serve hooks ---------------------------------------------------------------------------
    def check_health(self) -> None:
        if not self._thread.is_alive():
            raise RuntimeError(f"request consumer stopped: {self._error!r}")

    async def status(self) -> dict:
        return {"in_flight": self.tracker.in_flight(), "alive": self._thread.is_alive(), "warm": self.warm.is_set()}

    def __del__(self):
        self._stop.set()

    # -- the loop --------------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - surfaced through check_health
            self._error = exc
            self.log.error("consumer_crashed", error=repr(exc))

    def commit_now(self) -> None:
        offsets = self.tracker.committable()
        if offsets and self._consumer is not None:
            self._consumer.commit({tp: OffsetAndMetadata(n, "", -1) for tp, n in offsets.items()})
            self.tracker.mark_committed(offsets)

    async def _main(self) -> None:
        p = self.platform
        self._producer = bus.EventProducer(p.kafka_bootstrap_servers, "workers", p.kafka_max_message_bytes)
        self._consumer = self._new_consumer()
        await self._warm_up()
        bus.wait_for_topics(self._consumer, [topics.REQUESTS])
        self._consumer.subscribe([topics.REQUESTS], listener=_Rebalance(self))
        loop = asyncio.get_running_loop()
        slots = asyncio.Semaphore(self.settings.max_in_flight)
        tasks: set[asyncio.Task] = set()
        self.log.info("consuming", topic=topics.REQUESTS, classifiers=sorted(self.classifiers))
        last_commit = time.monotonic()
        while not self._stop.is_set():
            batches = await loop.run_in_executor(None, self._poll)
            if self._stall_watch.due(bool(batches)) and await loop.run_in_executor(None, self._stalled):
                # seen right after a broker (re)start: the client keeps positions it never fetches
                # from; a fresh consumer resumes from the committed offsets (duplicates are ignored)
                self.log.warning("consumer_stalled_reconnecting")
                await loop.run_in_executor(None, self._reconnect)
                continue
            for tp, records in batches.items():
                for record in records:
                    await slots.acquire()
                    self.tracker.started(tp, record.offset)
                    task = asyncio.create_task(self._handle(tp, record))
                    tasks.add(task)
                    task.add_done_callback(lambda t: (tasks.discard(t), slots.release()))
            if time.monotonic() - last_commit > 0.05 and self.tracker.committable():
                await loop.run_in_executor(None, self._commit)
                last_commit = time.monotonic()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._commit()
        self._consumer.close()
        self._producer.close()

    async def _warm_up(self) -> None:
        """One call through every classifier and its Triton models before the first request is taken,
        so the first real request does not pay for cold sessions and connections."""
        began = time.monotonic()
        canvas = np.full((96, 320, 3), 255, np.uint8)
        cv2.putText(canvas, "warm up 123", (10, 60), cv2.FONT_HERSHEY_SIMPLEX, 1.2, (0, 0, 0), 2)
        images_ref = ray.put([canvas])
        for attempt in range(1, 31):
            calls = [self._call(handle, name, images_ref, ["warm-up"], "warm up", {}, 120.0)
                     for name, handle in self.classifiers.items()]
            results = await asyncio.gather(*calls)
            failed = [name for name, evidence in results if evidence.error]
            if not failed:
                break
            self.log.warning("warm_up_retry", attempt=attempt, failed=failed)
            await asyncio.sleep(2.0)
        self.warm.set()
        self.log.info("warmed_up", seconds=round(time.monotonic() - began, 2), classifiers=sorted(self.classifiers))

    def _new_consumer(self):
        p = self.platform
        return bus.make_consumer(p.kafka_bootstrap_servers, topics.WORKERS_GROUP, "workers", p.kafka_max_message_bytes,
                                 max_poll_records=self.settings.max_in_flight,
                                 group_instance_id=group_instance_id(self.settings.group_instance_id))

    def _poll(self):
        with self._lock:
            # a record ends the wait at once; the time-out only paces the loop at rest (50 ms cost the
            # idle stack about 0.04 cores here)
            batches = self._consumer.poll(timeout_ms=200)
            lag = 0
            for tp in self._consumer.assignment():
                end = self._consumer.highwater(tp)
                if end is not None:
                    lag += max(0, end - self._consumer.position(tp))
            self.instruments.set_lag(topics.WORKERS_GROUP, topics.REQUESTS, lag)
            self._lag = lag
            return batches

    def _stalled(self) -> bool:
        with self._lock:
            return self._stall_watch.check(self._consumer, self.log)

    def _reconnect(self) -> None:
        with self._lock:
            try:
                self.commit_now()
            except Exception as exc:  # noqa: BLE001 - the new consumer replays from the last commit
                self.log.warning("commit_failed", error=repr(exc))
            self._consumer.close()
            self.tracker = OffsetTracker()
            self._consumer = self._new_consumer()
            self._stall_watch = bus.StallWatch(self.settings.stall_check_s)
            # without partition metadata a fresh member can be left with no partitions (seen: it then
            # never consumed again)
            bus.wait_for_topics(self._consumer, [topics.REQUESTS])
            self._consumer.subscribe([topics.REQUESTS], listener=_Rebalance(self))

    def _commit(self) -> None:
        with self._lock:
            try:
                self.commit_now()
            except Exception as exc:  # noqa: BLE001 - a failed commit is retried with the next one
                self.log.warning("commit_failed", error=repr(exc))

    async def _handle(self, tp: TopicPartition, record) -> None:
        try:
            await self._screen(record)
        except Exception as exc:  # noqa: BLE001 - a request that cannot be screened goes to the dead letters
            self.log.error("request_failed", offset=record.offset, error=repr(exc))
            await self._dead_letter(record, repr(exc))
        finally:
            self.tracker.finished(tp, record.offset)

    async def _dead_letter(self, record, error: str) -> None:
        self.instruments.dead_letters.add(1, {"service": "workers"})
        letter = events_pb2.DeadLetter(source_topic=record.topic, partition=record.partition, offset=record.offset,
                                       key=record.key or b"", value=record.value, error=error, service="workers",
                                       failed_unix_ms=int(time.time() * 1000))
        await self._producer.publish_async(topics.DEADLETTER, (record.key or b"").decode("utf-8", "replace"), letter)

    async def _screen(self, record) -> None:
        event = events_pb2.ScreeningRequested()
        event.ParseFromString(record.value)
        late_ms = time.time() * 1000 - event.deadline_unix_ms
        if event.deadline_unix_ms and self.settings.skip_expired_after_ms >= 0 \
                and late_ms > self.settings.skip_expired_after_ms:
            self.instruments.expired.add(1)
            self.log.warning("request_expired_not_screened", request_id=event.request_id, late_ms=round(late_ms))
            return
        context = telemetry.context_from_kafka(record.headers)
        with self.tracer.start_as_current_span(
                "kafka.consume " + topics.REQUESTS, kind=trace.SpanKind.CONSUMER, context=context,
                attributes={"screening.request_id": event.request_id, "messaging.kafka.offset": record.offset,
                            "messaging.kafka.partition": record.partition}):
            # sorted by content hash: the order of the images cannot change anything downstream
            ordered = sorted(event.images, key=lambda image: image.sha256)
            with self.tracer.start_as_current_span("workers.decode",
                                                   attributes={"screening.images": len(ordered)}) as span:
                # every frame of an animated image is screened as an image of its own, under the image's id
                frames = [(image.sha256, array) for image in ordered
                          for array in images.decode_frames(image.data, self.settings.max_decode_side)]
                arrays = [array for _sha, array in frames]
                span.set_attribute("screening.frames", len(arrays))
                images_ref = ray.put(arrays)
            image_ids = [sha for sha, _array in frames]
            carrier = telemetry.carrier()
            timeout = max(0.5, (event.deadline_unix_ms - time.time() * 1000 + self.settings.classifier_grace_ms) / 1000)
            calls = {}
            prompt_call = None
            if "refusal" in event.expected_classifiers and "refusal" in self.classifiers:
                prompt_call = asyncio.ensure_future(self._call(self.classifiers["refusal"], "refusal", [], [],
                                                               event.text, carrier, timeout))
            for name in event.expected_classifiers:
                handle = self.classifiers.get(name)
                if handle is None or name in ("refusal", "face"):
                    continue  # not deployed here: the decision applies its missing-verdict rule; face: below
                calls[name] = asyncio.ensure_future(self._call(handle, name, images_ref, image_ids, event.text,
                                                               carrier, timeout))
            if "face" in event.expected_classifiers and "face" in self.classifiers:
                calls["face"] = asyncio.ensure_future(self._face(images_ref, image_ids, event.text, carrier, timeout,
                                                                 prompt_call, calls.get("ocr")))
            if prompt_call is not None:
                # the refusal verdict also carries the scores of the text OCR found (the OCR deployment scores it)
                calls["refusal"] = asyncio.ensure_future(self._refusal(calls.get("ocr"), prompt_call))
            publishing = []
            for finished in asyncio.as_completed(list(calls.values())):
                name, evidence = await finished
                # each verdict goes out the moment it is ready; the offset waits for every ack
                publishing.append(asyncio.ensure_future(self._publish_verdict(event.request_id, name, evidence)))
            await asyncio.gather(*publishing)
            self.log.info("request_screened", request_id=event.request_id, trace_id=telemetry.current_trace_id(),
                          images=len(ordered), frames=len(arrays), verdicts=sorted(calls))

    async def _publish_verdict(self, request_id: str, name: str, evidence) -> None:
        verdict = events_pb2.Verdict(request_id=request_id, classifier=name, evidence=evidence,
                                     produced_unix_ms=int(time.time() * 1000))
        with self.tracer.start_as_current_span("kafka.publish " + topics.VERDICTS, kind=trace.SpanKind.PRODUCER,
                                               attributes={"screening.classifier": name}):
            await self._producer.publish_async(topics.VERDICTS, request_id, verdict)

    async def _refusal(self, ocr_call, prompt_call):
        """The prompt is scored at once, beside the image models; the text OCR finds in the images is
        scored by the OCR deployment (same model), and its scores join the prompt's in the one refusal
        verdict. A failed OCR is its own verdict's error: the policy's missing-verdict rule applies."""
        if ocr_call is not None:
            _name, ocr_evidence = await ocr_call
            _name, evidence = await prompt_call
            if not evidence.error:
                evidence.image_text_scores.update(ocr_evidence.image_text_scores)
            return "refusal", evidence
        return await prompt_call

    async def _face(self, images_ref, image_ids, text, carrier, timeout, prompt_call, ocr_call):
        """The face verdict: the whole view of every photo at once; the second look (zoomed out, tiles),
        as costly as OCR on a photo without a face, only for the photos where it found none AND when the
        request asks about a person (the prompt's person-directed scores, else the image text's, reach
        `face_second_look_trigger`): otherwise no face could change the decision. A skipped second look is
        marked (`second_look_skipped`), and the policy fails closed should a person-directed category
        fire anyway (a tenant's threshold under the trigger)."""
        handle, trigger = self.classifiers["face"], self.settings.face_second_look_trigger
        look = "first" if trigger > 0 else "both"
        name, evidence = await self._call(handle, "face", images_ref, image_ids, text, carrier, timeout, look=look)
        seen = {box.image_sha256 for box in evidence.boxes}
        unfound = tuple(index for index, sha in enumerate(image_ids) if sha not in seen)
        if look == "both" or evidence.error or not unfound or not self.settings.face_tiles:
            return name, evidence
        if not await asks_about_a_person(prompt_call, ocr_call, trigger):
            evidence.scores["second_look_skipped"] = 1.0
            return name, evidence
        _name, second = await self._call(handle, "face", images_ref, image_ids, text, carrier, timeout,
                                         look="second", only=unfound)
        if second.error:
            return name, second  # the search was not finished: the policy's missing-verdict rule applies
        evidence.boxes.extend(second.boxes)
        evidence.scores["face"] = max(evidence.scores["face"], second.scores["face"])
        evidence.scores["face_count"] = float(len(evidence.boxes))
        evidence.latency_ms += second.latency_ms
        return name, evidence

    async def _call(self, handle, name, images_ref, image_ids, text, carrier, timeout, **options):
        """One classifier call, retried (a replica that died is replaced by Serve) until `timeout`;
        a failure past that is reported as the classifier's error and the policy decides."""
        give_up = time.monotonic() + timeout
        attempt = 0
        while True:
            attempt += 1
            try:
                response = handle.classify.remote(images_ref, image_ids, text, carrier, **options)
                raw = await asyncio.wait_for(_resolve(response), max(0.05, give_up - time.monotonic()))
                evidence = types_pb2.ClassifierEvidence()
                evidence.ParseFromString(raw)
                self.instruments.stage_latency.record(evidence.latency_ms, {"stage": f"classifier.{name}"})
                return name, evidence
            except Exception as exc:  # noqa: BLE001
                if time.monotonic() + 0.2 < give_up and not isinstance(exc, asyncio.TimeoutError):
                    self.log.warning("classifier_retry", classifier=name, attempt=attempt, error=repr(exc)[:200])
                    await asyncio.sleep(min(0.2 * attempt, 1.0))
                    continue
                self.log.warning("classifier_failed", classifier=name, error=repr(exc)[:300])
                return name, types_pb2.ClassifierEvidence(classifier=name,
                                                          error=f"{type(exc).__name__}: {exc}"[:500])
