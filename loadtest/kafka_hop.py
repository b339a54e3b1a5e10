"""What one Kafka hop costs on this machine: the floor under the pipeline's overhead.

    python loadtest/kafka_hop.py [--messages 200] [--interval-ms 50]

Against the running local stack's broker (`screening stack up`), with the project's own producer and
consumer settings (services/common/bus.py: acks=all, idempotent, read_committed, kafka-python): sends
small records one at a time on a probe topic (created here, deleted at the end) while a consumer in
another thread polls, and prints p50/p90 of the producer's acknowledgement and of send -> consumed.
A screened request crosses the broker three times on its critical path (request, verdict, decision).
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import threading
import time
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kafka import KafkaAdminClient  # noqa: E402
from kafka.admin import NewTopic  # noqa: E402

from services.cli.stack import StackConfig  # noqa: E402
from services.cli.traces import percentile  # noqa: E402
from services.common import bus  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200, help="records to send, one at a time (200)")
    parser.add_argument("--interval-ms", type=float, default=50.0,
                        help="pause between records, as between requests at low load (50)")
    args = parser.parse_args()
    servers = f"127.0.0.1:{StackConfig.from_env().kafka_port}"
    topic = f"screening.hop-probe.{uuid.uuid4().hex[:8]}"
    try:
        admin = KafkaAdminClient(bootstrap_servers=[servers], client_id="hop-probe", request_timeout_ms=10000)
    except Exception as exc:  # noqa: BLE001
        print(f"no Kafka broker at {servers} ({exc}): start the stack first (`screening stack up`)", file=sys.stderr)
        return 1
    try:
        admin.create_topics([NewTopic(topic, 1, 1)])
    except Exception as exc:  # noqa: BLE001
        admin.close()
        print(f"could not create the probe topic {topic} on {servers} ({exc}): is the broker healthy "
              f"(`screening stack status`)?", file=sys.stderr)
        return 1
    producer = bus.EventProducer(servers, "hop-probe", 1_000_000)
    consumer = bus.make_consumer(servers, f"hop-probe-{uuid.uuid4().hex[:8]}", "hop-probe", 1_000_000)
    try:
        bus.wait_for_topics(consumer, [topic])
        consumer.subscribe([topic])
        while not consumer.assignment():
            consumer.poll(timeout_ms=100)
        consumed: list[float] = []
        done = threading.Event()

        def consume():
            while not done.is_set():
                for records in consumer.poll(timeout_ms=50).values():
                    consumed.extend((time.perf_counter() - float(r.value)) * 1000 for r in records)

        thread = threading.Thread(target=consume, daemon=True)
        thread.start()
        acks = []
        for index in range(args.messages):
            began = time.perf_counter()
            producer.publish_raw(topic, None, repr(began).encode(), []).get(timeout=30)
            acks.append((time.perf_counter() - began) * 1000)
            if (index + 1) % 50 == 0:
                print(f"sent {index + 1}/{args.messages}", flush=True)
            time.sleep(args.interval_ms / 1000)
        deadline = time.monotonic() + 10
        while len(consumed) < args.messages and time.monotonic() < deadline:
            time.sleep(0.05)
        done.set()
        thread.join()
    finally:
        consumer.close()
        producer.close()
        admin.delete_topics([topic])
        admin.close()
    print(f"producer acknowledgement (acks=all): p50 {percentile(acks, .5):.1f} ms, p90 {percentile(acks, .9):.1f} ms")
    print(f"send -> consumed ({len(consumed)}/{args.messages} records): p50 {percentile(consumed, .5):.1f} ms, "
          f"p90 {percentile(consumed, .9):.1f} ms")
    return 0 if len(consumed) == args.messages else 1


if __name__ == "__main__":
    sys.exit(main())
