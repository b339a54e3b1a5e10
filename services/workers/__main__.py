"""Entry point: `python -m services.workers`. Starts a local Ray node (no dashboard), deploys the
Serve application, reports health on SCREENING_WORKERS_HEALTH_PORT, and shuts all down on SIGTERM.
(On Kubernetes, KubeRay's RayService runs services.workers.app:build_app instead.)"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading

from services.common import health, logs, platform, settings
from services.workers import settings as worker_settings


async def _wait_warm(handle) -> None:
    while not (await asyncio.wait_for(handle.status.remote(), 60)).get("warm"):
        await asyncio.sleep(0.5)


def main() -> None:
    try:
        common = platform.load_platform()
        own = worker_settings.load_workers()
    except settings.SettingsError as exc:
        print(f"workers: invalid settings: {exc}", file=sys.stderr)
        sys.exit(2)
    log = logs.configure("workers", common.log_level)
    log.info("starting", **settings.describe(common), **settings.describe(own))
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("RAY_SERVE_ENABLE_TASK_EVENTS", "0")
    # Ray starts its workers at nice 15; the consumer and the classifiers' pre/post-processing are on
    # every request's path, so they run at normal priority (measured: with 15 they queued behind Triton)
    os.environ.setdefault("RAY_worker_niceness", "0")
    # Serve runs each replica's user code and each handle's router on the caller's own event loop
    # instead of a separate thread and loop: two thread hops less per classifier call (measured, three
    # paired runs: -11 to -45 ms end to end at one request in flight). The driver below therefore
    # calls its handle from inside an event loop.
    os.environ.setdefault("RAY_SERVE_RUN_USER_CODE_IN_SEPARATE_THREAD", "0")
    os.environ.setdefault("RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP", "0")
    # Ray's timers at rest (measured with nothing to serve, two cores: the stack at rest went from 0.34 to
    # 0.19 cores with these and the services' longer Kafka polls): Serve's controller loop every second
    # instead of every 0.1 s (a dead replica is replaced up to a second later), Serve's metrics exported
    # every second, and Ray's own Prometheus metrics off (the services export their own)
    os.environ.setdefault("RAY_SERVE_CONTROL_LOOP_INTERVAL_S", "1.0")
    os.environ.setdefault("RAY_SERVE_METRICS_EXPORT_INTERVAL_MS", "1000")
    os.environ.setdefault("RAY_enable_metrics_collection", "0")
    import ray
    from ray import serve

    from services.workers.app import build_app

    ready = threading.Event()
    server = health.serve_health(own.health_host, own.health_port, ready.is_set)
    # log_to_driver: every replica's log lines land in this process's log (the stack's workers.log)
    ray.init(num_cpus=own.ray_num_cpus or None, include_dashboard=False, log_to_driver=True,
             configure_logging=False, _node_ip_address="127.0.0.1")
    serve.start(proxy_location="Disabled", logging_config={"enable_access_log": False, "log_level": "WARNING"})
    handle = serve.run(build_app(), name="screening", route_prefix=None, blocking=False)
    asyncio.run(_wait_warm(handle))  # ready only once every classifier answered a warm-up call
    ready.set()
    log.info("serving", app="screening")

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(2.0):
        status = serve.status().applications.get("screening")
        healthy = status is not None and status.status in ("RUNNING", "DEPLOYING")
        if healthy != ready.is_set():
            (ready.set if healthy else ready.clear)()
            log.warning("health_changed", healthy=healthy, status=getattr(status, "status", None))
    log.info("stopping")
    ready.clear()
    serve.shutdown()
    ray.shutdown()
    server.shutdown()


if __name__ == "__main__":
    main()
