"""python -m ops.k8s {status,verify-rollout} --namespace NS --release NAME

Exit status of verify-rollout (for a pipeline that rolls back on failure):
  0  rolled out, canaries within the SLO
  1  canaries broke the SLO
  2  the rollout did not complete in time
  3  the cluster or the service could not be reached / bad usage
status exits 0 when every component is ready, 1 otherwise.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from ops.k8s import cluster as cluster_module
from ops.k8s import rollout

EXIT_OK, EXIT_SLO, EXIT_ROLLOUT, EXIT_ERROR = 0, 1, 2, 3


def _api_client(kubeconfig: str | None, context: str | None):
    from kubernetes import client, config

    try:
        config.load_kube_config(config_file=kubeconfig, context=context)
    except Exception:  # noqa: BLE001 - fall back to the in-cluster account (a CI job's pod)
        config.load_incluster_config()
    return client.ApiClient()


def collect_status(cluster: cluster_module.Cluster, kafka_bootstrap: str | None,
                   lag: Callable[[str], list[cluster_module.ConsumerLag]] | None = None) -> dict[str, Any]:
    """Everything `status` reports, as plain data; each part reports its own error instead of failing all."""
    lag = lag or cluster_module.consumer_lag
    report: dict[str, Any] = {"namespace": cluster.namespace, "release": cluster.release}
    problems: list[str] = []
    try:
        workloads = cluster.workloads()
        report["workloads"] = [dataclasses.asdict(w) | {"ready_ok": w.ready_ok} for w in workloads]
        problems += [f"{w.kind}/{w.name} {w.ready}/{w.desired} ready" for w in workloads if not w.ready_ok]
        if not workloads:
            problems.append(f"no Deployments of release {cluster.release} in namespace {cluster.namespace}")
    except Exception as exc:  # noqa: BLE001
        report["workloads_error"] = str(exc)
        problems.append(f"workloads: {exc}")
    try:
        ray = cluster.rayservice()
        report["rayservice"] = dataclasses.asdict(ray) if ray else None
        if ray is not None and not ray.ready:
            problems.append(f"RayService/{ray.name} {ray.state}")
    except Exception as exc:  # noqa: BLE001
        report["rayservice_error"] = str(exc)
        problems.append(f"rayservice: {exc}")
    try:
        models = cluster.triton_models()
        report["triton_models"] = [dataclasses.asdict(m) | {"ready": m.ready} for m in models]
        problems += [f"Triton model {m.name} {m.state} {m.reason}".strip() for m in models if not m.ready]
        if not models:
            problems.append("Triton reports no models")
    except Exception as exc:  # noqa: BLE001
        report["triton_error"] = str(exc)
        problems.append(f"triton: {exc}")
    servers = kafka_bootstrap or _safe(cluster.kafka_bootstrap_servers)
    if servers:
        try:
            lags = lag(servers)
            report["consumer_lag"] = [dataclasses.asdict(entry) for entry in lags]
            problems += [f"consumer group {entry.group}: {entry.error}" for entry in lags if entry.error]
        except Exception as exc:  # noqa: BLE001
            report["consumer_lag_error"] = str(exc)
            problems.append(f"consumer lag: {exc}")
    else:
        report["consumer_lag_error"] = "no Kafka bootstrap servers (give --kafka-bootstrap)"
    report["problems"] = problems
    report["healthy"] = not problems
    return report


def _safe(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception:  # noqa: BLE001
        return None


def format_status(report: dict[str, Any], out: TextIO) -> None:
    out.write(f"release {report['release']} in namespace {report['namespace']}\n\n")
    out.write(f"{'WORKLOAD':<44} {'READY':>7} {'UPDATED':>8} {'AVAILABLE':>10}\n")
    for w in report.get("workloads", []):
        mark = "ok " if w["ready_ok"] else "!! "
        out.write(f"{mark}{w['kind'] + '/' + w['name']:<41} {w['ready']:>3}/{w['desired']:<3} {w['updated']:>8} "
                  f"{w['available']:>10}{'  ' + w['message'] if w['message'] else ''}\n")
    if "workloads_error" in report:
        out.write(f"!! workloads: {report['workloads_error']}\n")
    ray = report.get("rayservice")
    if ray:
        mark = "ok " if ray["ready"] else "!! "
        apps = ", ".join(f"{k}={v}" for k, v in ray["applications"].items()) or "no applications yet"
        out.write(f"\n{mark}RayService/{ray['name']}: {ray['state']}"
                  f"{' (upgrade in progress)' if ray['upgrading'] else ''}; Serve: {apps}\n")
    elif "rayservice_error" in report:
        out.write(f"\n!! RayService: {report['rayservice_error']}\n")
    if "triton_models" in report:
        out.write("\nTRITON MODEL                      VERSION  STATE\n")
        for m in report["triton_models"]:
            mark = "ok " if m["ready"] else "!! "
            out.write(f"{mark}{m['name']:<31} {m['version']:>7}  {m['state']}"
                      f"{'  ' + m['reason'] if m['reason'] else ''}\n")
    else:
        out.write(f"\n!! Triton: {report.get('triton_error')}\n")
    if "consumer_lag" in report:
        out.write("\nCONSUMER GROUP        TOPIC                      PARTITIONS      LAG\n")
        for entry in report["consumer_lag"]:
            lag = entry["lag"] if entry["lag"] is not None else "?"
            out.write(f"   {entry['group']:<20} {entry['topic']:<26} {entry['partitions']:>10} {lag:>8}"
                      f"{'  ' + entry['error'] if entry['error'] else ''}\n")
    else:
        out.write(f"\n   consumer lag: {report.get('consumer_lag_error')}\n")
    if report["healthy"]:
        out.write("\nhealthy\n")
    else:
        out.write("\nNOT healthy:\n  " + "\n  ".join(report["problems"]) + "\n")


def verify(cluster: cluster_module.Cluster, screen: rollout.ScreenCall, args: argparse.Namespace,
           out: TextIO, **wait_kwargs: Any) -> int:
    state = rollout.wait_for_rollout(cluster, args.timeout, progress=lambda m: out.write(m + "\n"), **wait_kwargs)
    if state.pending or not state.workloads:
        pending = "\n  ".join(state.pending or ["no Deployments found for this release"])
        out.write(f"ROLLOUT INCOMPLETE after {args.timeout:.0f}s:\n  {pending}\n")
        return EXIT_ROLLOUT
    out.write(f"rolled out: {len(state.workloads)} Deployments"
              f"{', RayService ready' if state.rayservice else ''}\n")
    slo = rollout.Slo(max_p99_ms=args.max_p99_ms, min_success_ratio=args.min_success_ratio,
                      max_timed_out_ratio=args.max_timed_out_ratio)
    report = rollout.run_canaries(screen, rollout.DEFAULT_CANARIES, slo, rounds=args.rounds,
                                  timeout_s=args.request_timeout)
    out.write(f"canaries: {report.sent} sent, success {report.success_ratio:.1%}, p99 {report.p99_ms:.0f} ms, "
              f"classifier time-outs {report.timed_out_ratio:.1%}\n")
    violations = report.violations()
    if violations:
        out.write("SLO BROKEN (roll back):\n  " + "\n  ".join(violations) + "\n")
        return EXIT_SLO
    out.write("SLO met\n")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ops.k8s", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--namespace", "-n", default="screening")
    parser.add_argument("--release", "-r", default="screening", help="the Helm release name")
    parser.add_argument("--fullname", help="the chart's fullnameOverride, when the release set one")
    parser.add_argument("--kubeconfig", help="default: $KUBECONFIG or ~/.kube/config, else in-cluster")
    parser.add_argument("--context")
    commands = parser.add_subparsers(dest="command", required=True)

    status = commands.add_parser("status", help="readiness of every component, RayService, Triton models, lag")
    status.add_argument("--kafka-bootstrap", help="default: what the decision Deployment uses")
    status.add_argument("--json", action="store_true", help="print the report as JSON")

    verify_cmd = commands.add_parser("verify-rollout", help="wait for the rollout, send canaries, check the SLO")
    verify_cmd.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the rollout")
    verify_cmd.add_argument("--target", help="ingest's gRPC address (default: <ingest service>.<ns>.svc:50051; "
                                             "from outside the cluster: kubectl port-forward and localhost:50051)")
    verify_cmd.add_argument("--rounds", type=int, default=5, help="times the canary set is sent")
    verify_cmd.add_argument("--request-timeout", type=float, default=5.0, help="deadline of one Screen call (s)")
    verify_cmd.add_argument("--max-p99-ms", type=float, default=1500.0)
    verify_cmd.add_argument("--min-success-ratio", type=float, default=1.0)
    verify_cmd.add_argument("--max-timed-out-ratio", type=float, default=0.0)
    return parser


def main(argv: list[str] | None = None, out: TextIO = sys.stdout,
         api_client: Any = None, screen: rollout.ScreenCall | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        api = api_client or _api_client(args.kubeconfig, args.context)
    except Exception as exc:  # noqa: BLE001
        out.write(f"cannot reach the cluster: {exc}\n")
        return EXIT_ERROR
    cluster = cluster_module.Cluster(api, args.namespace, args.release, fullname=args.fullname)
    if args.command == "status":
        report = collect_status(cluster, args.kafka_bootstrap)
        if args.json:
            out.write(json.dumps(report, indent=2) + "\n")
        else:
            format_status(report, out)
        return 0 if report["healthy"] else 1
    target = args.target or f"{cluster.name('ingest')}.{args.namespace}.svc:50051"
    try:
        call = screen or rollout.grpc_screen(target)
    except Exception as exc:  # noqa: BLE001
        out.write(f"cannot build the gRPC client for {target}: {exc}\n")
        return EXIT_ERROR
    return verify(cluster, call, args, out)
