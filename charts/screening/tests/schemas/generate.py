#!/usr/bin/env python3
"""Generates the offline JSON schemas that `ci/helm-check.sh` hands to kubeconform.

Layout (kubeconform `-schema-location` template `{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json`):

    v1/service_v1.json                     core group (kubeconform's Group for `apiVersion: v1` is `v1`)
    apps/deployment_v1.json
    ray.io/rayservice_v1.json              from a CRD's openAPIV3Schema
    ...

Every schema is standalone (all `$ref`s inlined) and strict: each object that lists its properties rejects
any other property, like `kubectl --validate=strict` and the API server's field validation do.

Sources (all from package registries, see README.md beside this file):

    --swagger   api/openapi-spec/swagger.json of the Go module k8s.io/kubernetes (core kinds)
    --crd       a CustomResourceDefinition YAML file (repeatable), e.g. config/crd/bases/*.yaml of the
                Go modules github.com/ray-project/kuberay/ray-operator and github.com/kedacore/keda/v2

Strimzi's CRDs are not shipped by any of those registries in YAML form: kafka.strimzi.io/ holds hand-written
schemas instead (see README.md); this script leaves that folder alone.
"""

from __future__ import annotations

import argparse
import copy
import json
import pathlib
import sys

import yaml

# The core kinds the chart renders (or may render); kept short so the repository stays small.
CORE_KINDS = {
    ("", "v1", "ConfigMap"),
    ("", "v1", "Secret"),
    ("", "v1", "Service"),
    ("", "v1", "ServiceAccount"),
    ("", "v1", "Pod"),
    ("apps", "v1", "Deployment"),
    ("apps", "v1", "StatefulSet"),
    ("autoscaling", "v2", "HorizontalPodAutoscaler"),
    ("networking.k8s.io", "v1", "NetworkPolicy"),
    ("policy", "v1", "PodDisruptionBudget"),
    ("rbac.authorization.k8s.io", "v1", "Role"),
    ("rbac.authorization.k8s.io", "v1", "RoleBinding"),
}

QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"


def _strict(node: object, in_properties: bool = False) -> object:
    """Adds `additionalProperties: false` to every object schema that lists properties."""
    if isinstance(node, dict):
        if in_properties:  # a map of field names to schemas
            return {k: _strict(v) for k, v in node.items()}
        out = {k: _strict(v, in_properties=(k == "properties")) for k, v in node.items()}
        if (
            isinstance(out.get("properties"), dict)
            and "additionalProperties" not in out
            and not out.get("x-kubernetes-preserve-unknown-fields")
        ):
            out["additionalProperties"] = False
        if out.get("x-kubernetes-int-or-string"):
            out.pop("type", None)
            out.setdefault("oneOf", [{"type": "string"}, {"type": "integer"}])
        return out
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


def _inline(node: object, definitions: dict, stack: tuple[str, ...] = (), in_properties: bool = False) -> object:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if ref is not None:
            name = ref.rsplit("/", 1)[-1]
            if name == QUANTITY:
                return {"oneOf": [{"type": "string"}, {"type": "number"}]}
            if name == INT_OR_STRING:
                return {"oneOf": [{"type": "string"}, {"type": "integer"}]}
            if name in stack:  # recursive type (e.g. JSONSchemaProps): accept anything below it
                return {}
            target = definitions[name]
            merged = {k: v for k, v in node.items() if k != "$ref"}
            merged.update(_inline(target, definitions, stack + (name,)))
            return merged
        if in_properties:  # a map of property names: every key is a field name, keep them all
            return {k: _inline(v, definitions, stack) for k, v in node.items()}
        return {
            k: _inline(v, definitions, stack, in_properties=(k == "properties"))
            for k, v in node.items()
            if k not in ("description", "x-kubernetes-patch-merge-key", "x-kubernetes-patch-strategy")
        }
    if isinstance(node, list):
        return [_inline(v, definitions, stack) for v in node]
    return node


def _write(out: pathlib.Path, group: str, version: str, kind: str, schema: dict) -> pathlib.Path:
    folder = group if group else "v1"
    path = out / folder / f"{kind.lower()}_{version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
    return path


def _with_type_meta(schema: dict, group: str, version: str, kind: str) -> dict:
    api_version = f"{group}/{version}" if group else version
    schema = copy.deepcopy(schema)
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {"type": "string", "enum": [api_version]}
    props["kind"] = {"type": "string", "enum": [kind]}
    # metadata as the API server accepts it for any object (names, labels, annotations, ...)
    props["metadata"] = {"type": "object"}
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    return schema


def core(swagger: pathlib.Path, out: pathlib.Path, object_meta: dict) -> list[pathlib.Path]:
    definitions = json.loads(swagger.read_text())["definitions"]
    written = []
    for name, definition in definitions.items():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            key = (gvk["group"], gvk["version"], gvk["kind"])
            if key not in CORE_KINDS or not name.startswith("io.k8s.api."):
                continue
            schema = _strict(_inline(definition, definitions))
            schema = _with_type_meta(schema, *key)
            schema["properties"]["metadata"] = object_meta
            written.append(_write(out, *key, schema))
    return written


def object_meta_schema(swagger: pathlib.Path) -> dict:
    definitions = json.loads(swagger.read_text())["definitions"]
    meta = _inline(definitions["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"], definitions)
    return _strict(meta)  # type: ignore[return-value]


def crd(path: pathlib.Path, out: pathlib.Path, object_meta: dict) -> list[pathlib.Path]:
    written = []
    for document in yaml.safe_load_all(path.read_text()):
        if not document or document.get("kind") != "CustomResourceDefinition":
            continue
        spec = document["spec"]
        group, kind = spec["group"], spec["names"]["kind"]
        for version in spec["versions"]:
            if not version.get("served", True) or not version.get("storage", False):
                continue  # the storage version only: the one the chart writes (older ones are deprecated)
            schema = version["schema"]["openAPIV3Schema"]
            schema = _strict(_inline(schema, {}))
            schema = _with_type_meta(schema, group, version["name"], kind)  # type: ignore[arg-type]
            schema["properties"]["metadata"] = object_meta
            written.append(_write(out, group, version["name"], kind, schema))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--swagger", type=pathlib.Path, required=True)
    parser.add_argument("--crd", type=pathlib.Path, action="append", default=[])
    parser.add_argument("--out", type=pathlib.Path, default=pathlib.Path(__file__).parent)
    args = parser.parse_args(argv)
    meta = object_meta_schema(args.swagger)
    written = core(args.swagger, args.out, meta)
    for path in args.crd:
        written += crd(path, args.out, meta)
    for path in sorted(written):
        print(path.relative_to(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
