"""Entry point: `python -m services.decision` (settings from SCREENING_* and SCREENING_DECISION_*).

    python -m services.decision --check-policy PATH   validate a policy file and exit
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading

from services.common import bus, health, logs, metrics, platform, settings, telemetry, topics
from services.decision import policy as policy_module
from services.decision.service import DecisionService, PolicyHolder
from services.decision.settings import load_decision


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.decision", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check-policy", metavar="PATH", help="validate a policy file, print its version, exit")
    args = parser.parse_args(argv)
    if args.check_policy:
        try:
            loaded = policy_module.load(args.check_policy)
        except policy_module.PolicyError as exc:
            print(f"invalid policy: {exc}", file=sys.stderr)
            sys.exit(1)
        print(f"policy {loaded.version} is valid")
        return
    try:
        common = platform.load_platform()
        own = load_decision()
    except settings.SettingsError as exc:
        print(f"decision: invalid settings: {exc}", file=sys.stderr)
        sys.exit(2)
    log = logs.configure("decision", common.log_level)
    try:
        policies = PolicyHolder(own.policy_path, log)
    except policy_module.PolicyError as exc:
        print(f"decision: invalid policy: {exc}", file=sys.stderr)
        sys.exit(2)
    log.info("starting", policy_version=policies.policy.version, **settings.describe(common),
             **settings.describe(own))
    tracer = telemetry.setup("decision", common.otel_exporter, common.telemetry_dir)
    producer = bus.EventProducer(common.kafka_bootstrap_servers, "decision", common.kafka_max_message_bytes)

    def consumer():
        return bus.make_consumer(common.kafka_bootstrap_servers, topics.DECISION_GROUP, "decision",
                                 common.kafka_max_message_bytes, group_instance_id=own.group_instance_id or None)

    def decided_ids(partitions, window):
        return bus.read_request_ids(common.kafka_bootstrap_servers, topics.DECISIONS, partitions, window,
                                    common.kafka_max_message_bytes)

    instruments = metrics.setup("decision", common.otel_exporter, common.telemetry_dir)
    service = DecisionService(own, consumer, producer, policies, tracer, log, decisions_reader=decided_ids,
                              instruments=instruments)
    worker = threading.Thread(target=service.run, name="decision-loop", daemon=True)
    server = health.serve_health(own.health_host, own.health_port, service.ready.is_set, worker.is_alive)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: service.stop_event.set())
    worker.start()
    while worker.is_alive():
        worker.join(timeout=0.5)
    producer.close()
    telemetry.shutdown()
    server.shutdown()
    log.info("stopped", decided=service.decided)
    sys.exit(0 if service.stop_event.is_set() else 1)


if __name__ == "__main__":
    main()
