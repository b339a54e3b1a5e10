"""The real local stack (Kafka, Triton, Ray Serve, decision, ingest), started once per test session
on its own ports and run directory, so it does not collide with a stack a developer has running."""

from __future__ import annotations

import os
import pathlib
import shutil
import time

import grpc
import pytest

from screening.v1 import screening_pb2_grpc
from services.cli import client, samples
from services.cli.stack import ROOT, Stack, StackConfig, _marked_processes

TEST_PORTS = {
    "SCREENING_STACK_KAFKA_PORT": "29092",
    "SCREENING_STACK_KAFKA_CONTROLLER_PORT": "29093",
    "SCREENING_STACK_TRITON_GRPC_PORT": "28001",
    "SCREENING_STACK_TRITON_HTTP_PORT": "28000",
    "SCREENING_STACK_TRITON_METRICS_PORT": "28002",
    "SCREENING_STACK_INGEST_PORT": "50061",
    "SCREENING_STACK_DECISION_HEALTH_PORT": "28081",
    "SCREENING_STACK_WORKERS_HEALTH_PORT": "28082",
}


@pytest.fixture(scope="session")
def stack():
    os.environ.update(TEST_PORTS)
    run_dir = pathlib.Path(os.environ.get("SCREENING_TEST_STACK_DIR", ROOT / "var" / "test-stack"))
    config = StackConfig.from_env(str(run_dir))
    instance = Stack(config, progress=lambda m: print(m, flush=True))
    instance.down()  # a previous run that was killed may have left parts behind
    previous = config.run_dir.with_name(config.run_dir.name + ".previous-logs")
    if (config.run_dir / "logs").exists():  # keep the last run's logs to read after a failure
        shutil.rmtree(previous, ignore_errors=True)
        shutil.copytree(config.run_dir / "logs", previous)
    shutil.rmtree(config.run_dir, ignore_errors=True)  # a fresh broker: no backlog from an earlier run
    instance.up()
    yield instance
    instance.down()
    time.sleep(1)
    left = _marked_processes(config.run_dir)
    assert not left, f"processes of the test stack still running after down: {left}"


@pytest.fixture(scope="session")
def target(stack) -> str:
    return f"127.0.0.1:{stack.config.ingest_port}"


@pytest.fixture(scope="session")
def stub(target):
    with client.channel(target) as channel:
        yield screening_pb2_grpc.ScreeningServiceStub(channel)


@pytest.fixture(scope="session")
def sample_dir(stack) -> pathlib.Path:
    return samples.materialise(stack.config.run_dir / "samples")


@pytest.fixture(scope="session")
def kafka_bootstrap(stack) -> str:
    return f"127.0.0.1:{stack.config.kafka_port}"


def screen(stub, text, images=(), **kw):
    kw.setdefault("slo", "batch")  # a 10 s deadline: a loaded CI machine must not turn results into timeouts
    return stub.Screen(client.build_request(text, images=list(images), **kw), timeout=60)


def rpc_error(callable_, *args, **kw) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        callable_(*args, **kw)
    return info.value
