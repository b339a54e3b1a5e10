"""The Ray Serve application: the consumer bound to one deployment per enabled classifier.

`build_app` is the import path KubeRay's serve config names (services.workers.app:build_app)."""

from __future__ import annotations

from services.common import platform
from services.workers import settings as worker_settings
from services.workers.classifier_deployments import DEPLOYMENTS
from services.workers.consumer import RequestConsumer


def build_app(args: dict | None = None):
    common = platform.load_platform()
    own = worker_settings.load_workers()
    enabled = [name for name in common.classifiers if name in DEPLOYMENTS]
    bound = {name: DEPLOYMENTS[name].bind() for name in enabled}
    return RequestConsumer.options(num_replicas=own.consumer_replicas).bind(**bound)
