"""Entry point: `python -m services.ingest` (settings from SCREENING_* and SCREENING_INGEST_*)."""

from __future__ import annotations

import asyncio
import signal
import sys

from services.common import bus, logs, metrics, platform, settings, telemetry, topics
from services.ingest.decisions import DecisionBook, DecisionsFeed
from services.ingest.server import NOT_SERVING, SERVICE_NAME, SERVING, ScreeningServicer, build_server
from services.ingest.settings import load_ingest


async def serve() -> int:
    try:
        common = platform.load_platform()
        own = load_ingest()
    except settings.SettingsError as exc:
        print(f"ingest: invalid settings: {exc}", file=sys.stderr)
        return 2
    log = logs.configure("ingest", common.log_level)
    log.info("starting", **settings.describe(common), **settings.describe(own))
    tracer = telemetry.setup("ingest", common.otel_exporter, common.telemetry_dir)
    loop = asyncio.get_running_loop()
    producer = await loop.run_in_executor(None, lambda: bus.EventProducer(
        common.kafka_bootstrap_servers, "ingest", common.kafka_max_message_bytes))
    book = DecisionBook(own.decision_cache_size)

    def consumer():
        return bus.make_consumer(common.kafka_bootstrap_servers, None, "ingest-decisions",
                                 common.kafka_max_message_bytes)

    feed = DecisionsFeed(consumer, book, loop, log, replay_s=own.decision_replay_s, replay_max=own.decision_cache_size)
    feed.start()
    instruments = metrics.setup("ingest", common.otel_exporter, common.telemetry_dir)
    servicer = ScreeningServicer(own, common, producer, book, tracer, log, instruments=instruments)
    server, health = build_server(own, servicer)
    # not ready until the decisions feed has read back the recent decisions (gRPC's health servicer
    # reports the server SERVING from the start otherwise, and a caller would be told NOT_FOUND meanwhile)
    await health.set("", NOT_SERVING)
    await health.set(SERVICE_NAME, NOT_SERVING)
    await server.start()
    while not feed.ready.is_set():
        if not feed.is_alive():
            log.error("decisions_feed_died")
            return 1
        await asyncio.sleep(0.05)
    await health.set("", SERVING)
    await health.set(SERVICE_NAME, SERVING)
    log.info("serving", port=own.port, topic=topics.REQUESTS)

    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("stopping")
    await health.enter_graceful_shutdown()
    await server.stop(grace=5)
    feed.stop()
    await loop.run_in_executor(None, producer.close)
    telemetry.shutdown()
    return 0


def main() -> None:
    sys.exit(asyncio.run(serve()))


if __name__ == "__main__":
    main()
