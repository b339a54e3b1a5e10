#!/usr/bin/env python3
"""Checks a rendered screening chart (the output of `helm template`) for what a platform team requires.

    python check_rendered.py RENDERED.yaml [RENDERED.yaml ...] [--repo ROOT]
    python check_rendered.py --values-schema charts/screening/values.schema.json

Rules for every Deployment and StatefulSet (and the RayService's head and worker pods):
  - every container has readiness and liveness probes (RayService: KubeRay injects Ray's own probes),
    CPU and memory requests and a memory limit; init containers have resources;
  - pod and containers run as non-root, read-only root filesystem, no privilege escalation, all
    capabilities dropped, seccomp RuntimeDefault;
  - a PodDisruptionBudget in the same render selects the pods;
  - a read-only root filesystem comes with a writable /tmp (emptyDir);
and across objects: Services, HPAs and ScaledObjects point at something rendered; the RayService's
serveConfigV2 parses and names an import path that exists in the repository (nothing pulled at run time);
`python -m <module>` commands name modules that exist.

With --values-schema: every object in the values schema rejects unknown keys (`additionalProperties` is
false or a schema); `true` is allowed only where a `$comment` starts with "pass-through:" (Kubernetes types validated
after rendering, the collector's exporter settings).
Exit status 1 and one line per problem when anything fails.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import sys
from collections.abc import Iterator

import yaml

WORKLOADS = ("Deployment", "StatefulSet")
PASS_THROUGH_MARK = "pass-through:"


class Problems(list):
    def add(self, where: str, message: str) -> None:
        self.append(f"{where}: {message}")


def load(paths: list[pathlib.Path]) -> list[dict]:
    objects = []
    for path in paths:
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                document["__file__"] = str(path)
                objects.append(document)
    return objects


def _name(obj: dict) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')} ({pathlib.Path(obj['__file__']).name})"


def _containers(pod_spec: dict) -> Iterator[tuple[str, dict]]:
    for container in pod_spec.get("containers", []):
        yield "container", container
    for container in pod_spec.get("initContainers", []):
        yield "initContainer", container


def _effective(container: dict, pod_spec: dict, key: str):
    own = (container.get("securityContext") or {}).get(key)
    return own if own is not None else (pod_spec.get("securityContext") or {}).get(key)


def check_pod(where: str, pod_spec: dict, problems: Problems, probes_required: bool = True) -> None:
    pod_security = pod_spec.get("securityContext") or {}
    if not pod_security:
        problems.add(where, "pod has no securityContext")
    for role, container in _containers(pod_spec):
        cwhere = f"{where} {role} {container.get('name')}"
        if role == "container" and probes_required:
            for probe in ("readinessProbe", "livenessProbe"):
                if not container.get(probe):
                    problems.add(cwhere, f"has no {probe}")
        resources = container.get("resources") or {}
        requests, limits = resources.get("requests") or {}, resources.get("limits") or {}
        for key in ("cpu", "memory"):
            if key not in requests:
                problems.add(cwhere, f"has no {key} request")
        if "memory" not in limits:
            problems.add(cwhere, "has no memory limit")
        security = container.get("securityContext") or {}
        if not security:
            problems.add(cwhere, "has no securityContext")
        if _effective(container, pod_spec, "runAsNonRoot") is not True:
            problems.add(cwhere, "does not set runAsNonRoot: true")
        if security.get("readOnlyRootFilesystem") is not True:
            problems.add(cwhere, "root filesystem is not read-only")
        if security.get("allowPrivilegeEscalation") is not False:
            problems.add(cwhere, "does not set allowPrivilegeEscalation: false")
        if security.get("privileged"):
            problems.add(cwhere, "is privileged")
        if "ALL" not in ((security.get("capabilities") or {}).get("drop") or []):
            problems.add(cwhere, "does not drop ALL capabilities")
        seccomp = _effective(container, pod_spec, "seccompProfile") or {}
        if seccomp.get("type") not in ("RuntimeDefault", "Localhost"):
            problems.add(cwhere, "has no seccompProfile RuntimeDefault")
        if security.get("readOnlyRootFilesystem") and role == "container":
            mounts = {m.get("mountPath") for m in container.get("volumeMounts") or []}
            if "/tmp" not in mounts:
                problems.add(cwhere, "read-only root filesystem without a writable /tmp mount")


def _selects(selector: dict, labels: dict) -> bool:
    match = selector.get("matchLabels") or {}
    if any(labels.get(k) != v for k, v in match.items()):
        return False
    for expression in selector.get("matchExpressions") or []:
        value, op = labels.get(expression["key"]), expression["operator"]
        values = expression.get("values") or []
        if op == "In" and value not in values:
            return False
        if op == "NotIn" and value in values:
            return False
        if op == "Exists" and value is None:
            return False
        if op == "DoesNotExist" and value is not None:
            return False
    return bool(match or selector.get("matchExpressions"))


def _budget_for(labels: dict, budgets: list[dict]) -> dict | None:
    for budget in budgets:
        if _selects(budget["spec"].get("selector") or {}, labels):
            return budget
    return None


def check_serve_config(where: str, text: str, repo: pathlib.Path | None, problems: Problems) -> None:
    try:
        config = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        problems.add(where, f"serveConfigV2 is not valid YAML: {exc}")
        return
    applications = (config or {}).get("applications") or []
    if not applications:
        problems.add(where, "serveConfigV2 has no applications")
    for app in applications:
        import_path = app.get("import_path", "")
        if ":" not in import_path:
            problems.add(where, f"application {app.get('name')} import_path {import_path!r} is not module:attribute")
            continue
        runtime_env = app.get("runtime_env") or {}
        for key in ("working_dir", "py_modules", "pip", "conda"):
            if key in runtime_env:
                problems.add(where, f"application {app.get('name')} pulls code at run time (runtime_env.{key})")
        module, attribute = import_path.split(":", 1)
        if repo is not None:
            source = repo / (module.replace(".", "/") + ".py")
            if not source.exists():
                problems.add(where, f"import_path module {module} does not exist ({source})")
            elif f"def {attribute}(" not in source.read_text():
                problems.add(where, f"import_path {import_path}: no function {attribute} in {source}")


def check_module_commands(where: str, pod_spec: dict, repo: pathlib.Path | None, problems: Problems) -> None:
    if repo is None:
        return
    for _, container in _containers(pod_spec):
        command = list(container.get("command") or []) + list(container.get("args") or [])
        if len(command) >= 3 and command[0].startswith("python") and command[1] == "-m":
            module = command[2]
            path = repo / module.replace(".", "/")
            if not (path / "__main__.py").exists() and not path.with_suffix(".py").exists():
                problems.add(where, f"runs python -m {module}, which does not exist in the repository")


def check_objects(objects: list[dict], repo: pathlib.Path | None) -> Problems:
    problems = Problems()
    budgets = [o for o in objects if o.get("kind") == "PodDisruptionBudget"]
    by_kind_name = {(o.get("kind"), o["metadata"]["name"]) for o in objects}
    pod_labels: list[dict] = []
    for obj in objects:
        where = _name(obj)
        kind = obj.get("kind")
        if kind in WORKLOADS:
            template = obj["spec"]["template"]
            labels = template.get("metadata", {}).get("labels") or {}
            pod_labels.append(labels)
            check_pod(where, template["spec"], problems)
            check_module_commands(where, template["spec"], repo, problems)
            if not _selects(obj["spec"].get("selector") or {}, labels):
                problems.add(where, "selector does not match its pod template")
            if _budget_for(labels, budgets) is None:
                problems.add(where, "no PodDisruptionBudget selects its pods")
        elif kind == "RayService":
            cluster = obj["spec"]["rayClusterConfig"]
            head = cluster["headGroupSpec"]["template"]
            check_pod(f"{where} head", head["spec"], problems, probes_required=False)
            pod_labels.append(head.get("metadata", {}).get("labels") or {})
            for group in cluster.get("workerGroupSpecs") or []:
                template = group["template"]
                labels = dict(template.get("metadata", {}).get("labels") or {})
                check_pod(f"{where} worker group {group.get('groupName')}", template["spec"], problems,
                          probes_required=False)
                labels["ray.io/node-type"] = "worker"  # added by KubeRay
                pod_labels.append(labels)
                if _budget_for(labels, budgets) is None:
                    problems.add(where, f"no PodDisruptionBudget selects worker group {group.get('groupName')}")
            check_serve_config(where, obj["spec"].get("serveConfigV2", ""), repo, problems)
        elif kind in ("HorizontalPodAutoscaler", "ScaledObject"):
            target = obj["spec"]["scaleTargetRef"]
            if (target.get("kind", "Deployment"), target["name"]) not in by_kind_name:
                problems.add(where, f"scales {target.get('kind')}/{target['name']}, which is not rendered")
    for obj in objects:
        if obj.get("kind") == "Service":
            selector = obj["spec"].get("selector") or {}
            if selector and not any(all(labels.get(k) == v for k, v in selector.items()) for labels in pod_labels):
                problems.add(_name(obj), f"selector {selector} matches no rendered pod")
        if obj.get("kind") == "PodDisruptionBudget":
            if not any(_selects(obj["spec"].get("selector") or {}, labels) for labels in pod_labels):
                problems.add(_name(obj), "selects no rendered pod")
    return problems


def check_values_schema(path: pathlib.Path) -> Problems:
    problems = Problems()
    schema = json.loads(path.read_text())

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            is_object = node.get("type") == "object" or "properties" in node
            if is_object:
                extra = node.get("additionalProperties", True)
                if extra is True and PASS_THROUGH_MARK not in str(node.get("$comment", "")):
                    problems.add(f"{path.name} {where or '/'}", "object accepts unknown keys "
                                 "(set additionalProperties: false, or a schema for map values)")
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(schema, "")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rendered", nargs="*", type=pathlib.Path)
    parser.add_argument("--repo", type=pathlib.Path, help="repository root, to check module and import paths")
    parser.add_argument("--values-schema", type=pathlib.Path)
    args = parser.parse_args(argv)
    problems = Problems()
    if args.values_schema:
        problems += check_values_schema(args.values_schema)
    if args.rendered:
        objects = load(args.rendered)
        if not objects:
            problems.add("render", "no objects rendered")
        problems += check_objects(objects, args.repo)
    for problem in problems:
        print(f"FAIL {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
