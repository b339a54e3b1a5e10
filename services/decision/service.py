"""The decision service's loop: consume requests and verdicts (co-partitioned, one consumer group),
join, decide, publish, and only then commit the offsets of everything the decision consumed."""

from __future__ import annotations

import dataclasses
import os
import threading
import time

from kafka import ConsumerRebalanceListener, TopicPartition
from kafka.structs import OffsetAndMetadata
from opentelemetry import trace

from screening.v1 import events_pb2, types_pb2
from services.common import bus, telemetry, topics
from services.common.offsets import OffsetTracker
from services.decision import policy as policy_module
from services.decision.join import Join, Ready
from services.decision.settings import DecisionSettings


class PolicyHolder:
    """The current policy, reloaded when its file changes; a bad new file keeps the old policy."""

    def __init__(self, path: str, log):
        self._path = path
        self._log = log
        self._mtime = os.path.getmtime(path)
        self.policy = policy_module.load(path)

    def maybe_reload(self) -> None:
        try:
            mtime = os.path.getmtime(self._path)
        except OSError:
            return
        if mtime == self._mtime:
            return
        self._mtime = mtime
        try:
            new = policy_module.load(self._path)
        except policy_module.PolicyError as exc:
            self._log.error("policy_reload_rejected", error=str(exc), kept=self.policy.version)
            return
        self._log.info("policy_reloaded", old=self.policy.version, new=new.version)
        self.policy = new


def make_decision(ready: Ready, policy: policy_module.Policy, now_ms: int) -> events_pb2.Decision:
    request = ready.request
    expected = list(request.expected_classifiers)
    result = policy_module.evaluate(policy, request.tenant_id, ready.verdicts, expected, ready.timed_out)
    evidence = types_pb2.Evidence(
        classifiers=[ready.verdicts[name] for name in sorted(ready.verdicts)],
        policy_version=policy.version, timed_out=sorted(ready.timed_out), reasons=result.reasons)
    if policy.shadow is not None:
        shadow = policy_module.evaluate(policy.shadow, request.tenant_id, ready.verdicts, expected, ready.timed_out)
        evidence.shadow_outcome = shadow.outcome
        evidence.shadow_categories.extend(shadow.categories)
        evidence.shadow_policy_version = policy.shadow.version
    return events_pb2.Decision(
        request_id=request.request_id, tenant_id=request.tenant_id, client_request_id=request.client_request_id,
        outcome=result.outcome, categories=result.categories, evidence=evidence,
        accepted_unix_ms=request.accepted_unix_ms, decided_unix_ms=now_ms)


class DecisionService:
    def __init__(self, settings: DecisionSettings, consumer_factory, producer: bus.EventProducer,
                 policies: PolicyHolder, tracer, log, clock=time.time, decisions_reader=None, instruments=None):
        self._settings = settings
        self._consumer_factory = consumer_factory
        self._producer = producer
        self._policies = policies
        self._tracer = tracer
        self._log = log
        self._clock = clock
        self._join = Join(settings.replay_grace_ms, settings.orphan_ttl_ms)
        self._tracker = OffsetTracker()
        self._contexts: dict[str, object] = {}
        self._consumer = None
        self._decisions_reader = decisions_reader
        self._instruments = instruments
        self._reported = dataclasses.asdict(self._join.stats)
        self.stop_event = threading.Event()
        self.ready = threading.Event()
        self.decided = 0

    @property
    def join(self) -> Join:
        return self._join

    def _now_ms(self) -> int:
        return int(self._clock() * 1000)

    def _finish_tokens(self, tokens) -> None:
        for tp, offset in tokens:
            self._tracker.finished(tp, offset)

    def _commit(self) -> None:
        offsets = self._tracker.committable()
        if offsets:
            try:
                self._consumer.commit({tp: OffsetAndMetadata(n, "", -1) for tp, n in offsets.items()})
                self._tracker.mark_committed(offsets)
            except Exception as exc:  # noqa: BLE001 - retried with the next commit
                self._log.warning("commit_failed", error=repr(exc))

    def _publish(self, ready: list[Ready]) -> None:
        if not ready:
            return
        policy = self._policies.policy
        futures = []
        for item in ready:
            rid = item.request.request_id
            decision = make_decision(item, policy, self._now_ms())
            parent = self._contexts.pop(rid, None)
            with self._tracer.start_as_current_span("decision.decide", context=parent,
                                                    attributes={"screening.request_id": rid,
                                                                "screening.outcome": types_pb2.Outcome.Name(
                                                                    decision.outcome),
                                                                "screening.timed_out": ",".join(item.timed_out)}):
                with self._tracer.start_as_current_span("kafka.publish " + topics.DECISIONS,
                                                        kind=trace.SpanKind.PRODUCER):
                    futures.append(self._producer.publish(topics.DECISIONS, rid, decision))
                self._log.info("decided", request_id=rid, outcome=types_pb2.Outcome.Name(decision.outcome),
                               categories=list(decision.categories), timed_out=item.timed_out,
                               latency_ms=decision.decided_unix_ms - decision.accepted_unix_ms,
                               trace_id=telemetry.current_trace_id())
        for future in futures:
            future.get(timeout=60)  # the decision is on Kafka before anything it consumed is committed
        if self._instruments is not None:
            for item in ready:
                request = item.request
                slo = "batch" if request.slo_class == types_pb2.BATCH else "interactive"
                self._instruments.e2e_latency.record(max(0, self._now_ms() - request.accepted_unix_ms),
                                                     {"slo_class": slo})
                for name in item.timed_out:
                    self._instruments.verdict_timeouts.add(1, {"classifier": name})
        for item in ready:
            self._finish_tokens(item.tokens)
        self.decided += len(ready)

    def _on_record(self, record) -> list[Ready]:
        tp = TopicPartition(record.topic, record.partition)
        token = (tp, record.offset)
        self._tracker.started(tp, record.offset)
        now = self._now_ms()
        try:
            if record.topic == topics.REQUESTS:
                event = events_pb2.ScreeningRequested()
                event.ParseFromString(record.value)
                self._contexts[event.request_id] = telemetry.context_from_kafka(record.headers)
                ready, finished = self._join.on_request(event, now, token)
            else:
                verdict = events_pb2.Verdict()
                verdict.ParseFromString(record.value)
                ready, finished = self._join.on_verdict(verdict, now, token)
        except Exception as exc:  # noqa: BLE001 - poison message: dead-letter it with its error, go on
            self._log.error("poison_message", topic=record.topic, partition=record.partition, offset=record.offset,
                            error=repr(exc))
            letter = events_pb2.DeadLetter(source_topic=record.topic, partition=record.partition,
                                           offset=record.offset, key=record.key or b"", value=record.value or b"",
                                           error=repr(exc), service="decision", failed_unix_ms=now)
            self._producer.publish(topics.DEADLETTER, (record.key or b"").decode("utf-8", "replace"),
                                   letter).get(timeout=60)
            ready, finished = [], [token]
            if self._instruments is not None:
                self._instruments.dead_letters.add(1, {"service": "decision"})
        self._finish_tokens(finished)
        return ready

    def _report_stats(self) -> None:
        if self._instruments is None:
            return
        now = dataclasses.asdict(self._join.stats)
        for kind, value in now.items():
            if value > self._reported.get(kind, 0):
                self._instruments.join_events.add(value - self._reported[kind], {"kind": kind})
        self._reported = now

    def _restore_decided(self, partitions: list[int]) -> None:
        """Marks as decided every request whose decision is already on the decisions topic (same
        partition numbers: co-partitioned), so a replay after a crash never decides a request twice."""
        if self._decisions_reader is None or not partitions:
            return
        began = time.monotonic()
        restored = 0
        for request_id in self._decisions_reader(partitions, self._settings.restore_window):
            if not self._join.is_decided(request_id):
                self._join.mark_decided(request_id)
                restored += 1
        self._log.info("decided_restored", count=restored, partitions=partitions,
                       seconds=round(time.monotonic() - began, 2))

    def run(self) -> None:
        service = self

        class Rebalance(ConsumerRebalanceListener):
            def on_partitions_revoked(self, revoked):
                service._commit()
                service._tracker.forget(revoked)

            def on_partitions_assigned(self, assigned):
                service._log.info("partitions_assigned", partitions=sorted((tp.topic, tp.partition)
                                                                           for tp in assigned))
                service._restore_decided(sorted({tp.partition for tp in assigned}))
                if assigned:
                    service.ready.set()

        def connect():
            consumer = self._consumer_factory()
            bus.wait_for_topics(consumer, [topics.REQUESTS, topics.VERDICTS])
            consumer.subscribe([topics.REQUESTS, topics.VERDICTS], listener=Rebalance())
            return consumer

        self._consumer = connect()
        stall_watch = bus.StallWatch(self._settings.stall_check_s)
        last_reload = time.monotonic()
        try:
            while not self.stop_event.is_set():
                next_due = self._join.next_due_ms()
                # a record ends the wait at once; the time-out paces the loop at rest and ends at the
                # join's next deadline
                wait_ms = 200 if next_due is None else max(0, min(200, next_due - self._now_ms()))
                batches = self._consumer.poll(timeout_ms=wait_ms, max_records=500)
                if stall_watch.due(bool(batches)) and stall_watch.check(self._consumer, self._log):
                    # seen right after a broker (re)start: the client keeps a position it never fetches
                    # from; a fresh consumer resumes from the committed offsets (nothing is lost)
                    self._log.warning("consumer_stalled_reconnecting")
                    self._commit()
                    self._consumer.close()
                    self._tracker = OffsetTracker()
                    # undecided requests are replayed from the committed offsets and joined again;
                    # decided ones are restored from the decisions topic on assignment
                    self._join = Join(self._settings.replay_grace_ms, self._settings.orphan_ttl_ms)
                    self._contexts = {}
                    self._reported = dataclasses.asdict(self._join.stats)
                    self._consumer = connect()
                    stall_watch = bus.StallWatch(self._settings.stall_check_s)
                    continue
                ready: list[Ready] = []
                for records in batches.values():
                    for record in records:
                        ready += self._on_record(record)
                due, expired = self._join.due(self._now_ms())
                self._finish_tokens(expired)
                self._publish(ready + due)
                self._commit()
                self._report_stats()
                if time.monotonic() - last_reload > self._settings.policy_reload_s:
                    self._policies.maybe_reload()
                    last_reload = time.monotonic()
        finally:
            self._commit()
            self._consumer.close()
