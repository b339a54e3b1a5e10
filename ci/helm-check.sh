#!/usr/bin/env bash
# Checks the Helm chart charts/screening, offline once its tools are cached:
#
#   1. installs its tools into .cache/bin (idempotent): helm and kubeconform from the Go module proxy;
#   2. helm lint --strict, with the defaults and with each charts/screening/ci/*-values.yaml;
#   3. helm template for each ci values file;
#   4. validates every rendered object with kubeconform against the JSON schemas kept in
#      charts/screening/tests/schemas/ (Kubernetes 1.34 core kinds, KubeRay, KEDA, Strimzi; strict);
#   5. checks the rendered objects (charts/screening/tests/check_rendered.py): probes, resources, security
#      contexts and a PodDisruptionBudget for every workload, the RayService's serve config, the values
#      schema rejecting unknown keys everywhere;
#   6. compares the renders with charts/screening/tests/golden/ (UPDATE_GOLDEN=1 rewrites them);
#   7. proves the checks bite: a broken template, a value outside the schema, a workload without a probe
#      and an object with an unknown field must each make this script fail (charts/screening/tests/negative.sh);
#   8. installs the chart into a real kube-apiserver 1.34 + etcd (server-side validation, nothing runs;
#      charts/screening/tests/apiserver-install.sh), see HELM_CHECK_APISERVER below.
#
# HELM_CHECK_APISERVER=auto (default): step 8 runs when .cache/bin/kube-apiserver and etcd are there;
#                     =1: also builds kube-apiserver from the Go module proxy (about 22 minutes on two cores
#                         with a cold Go build cache, 1-2 minutes with a warm one) and installs Debian's
#                         etcd-server if missing; =0: skip step 8.
#
# Usage: bash ci/helm-check.sh                  the whole check
#        UPDATE_GOLDEN=1 bash ci/helm-check.sh  refresh the golden renders after an intended change
#        bash ci/helm-check.sh --chart DIR --skip-golden --skip-negative   (what negative.sh runs)
# Exit status: 0 when everything passes, non-zero on the first failing step.
set -euo pipefail

HELM_VERSION=v3.21.4
KUBECONFORM_VERSION=v0.7.0
KUBE_VERSION=1.34.4          # the Kubernetes version of the schemas and of `helm template --kube-version`

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CHART="$ROOT/charts/screening"
SKIP_GOLDEN=0
SKIP_NEGATIVE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --chart) CHART="$(cd "$2" && pwd)"; shift 2 ;;
    --skip-golden) SKIP_GOLDEN=1; shift ;;
    --skip-negative) SKIP_NEGATIVE=1; shift ;;
    *) echo "helm-check: unknown argument $1" >&2; exit 2 ;;
  esac
done

CACHE="$ROOT/.cache"
BIN="$CACHE/bin"
mkdir -p "$BIN"
export PATH="$BIN:$PATH"
# Go from the usual install location when it is not on PATH (non-login shells).
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
  export PATH="$PATH:/usr/local/go/bin"
fi
START=$SECONDS

step() { printf '\n== %s\n' "$*"; }

# --- tools -------------------------------------------------------------------------------------------
go_tool() {  # go_tool NAME MODULE/PATH@VERSION MODULE VERSION
  local name=$1 pkg=$2 module=$3 version=$4
  if [ -x "$BIN/$name" ] && go version -m "$BIN/$name" 2>/dev/null | grep -Eq "^\s+mod\s+$module\s+$version(\s|$)"; then
    return 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    echo "helm-check: Go is needed to install $name ($pkg); install Go 1.24 or later" >&2
    exit 1
  fi
  echo "installing $name $version (go install $pkg)"
  GOBIN="$BIN" go install "$pkg"
}

step "tools"
go_tool helm "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" helm.sh/helm/v3 "$HELM_VERSION"
go_tool kubeconform "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION" github.com/yannh/kubeconform "$KUBECONFORM_VERSION"

if [ -x "$ROOT/.venv/bin/python" ] && "$ROOT/.venv/bin/python" -c 'import yaml' 2>/dev/null; then
  PYTHON="$ROOT/.venv/bin/python"
elif python3 -c 'import yaml' 2>/dev/null; then
  PYTHON=python3
else
  if [ ! -x "$CACHE/helm-check-venv/bin/python" ]; then
    python3 -m venv "$CACHE/helm-check-venv"
    "$CACHE/helm-check-venv/bin/pip" install -q pyyaml
  fi
  PYTHON="$CACHE/helm-check-venv/bin/python"
fi
echo "helm $HELM_VERSION, kubeconform $KUBECONFORM_VERSION, $("$PYTHON" --version)"

# --- static checks of the chart sources ---------------------------------------------------------------
step "chart sources"
if grep -RInE '\bnow\b' "$CHART/templates" | grep -E '\{\{[^}]*\bnow\b' ; then
  echo "FAIL templates call 'now': renders must not depend on the clock" >&2
  exit 1
fi
if [ -f "$ROOT/services/decision/policy.yaml" ] && ! cmp -s "$ROOT/services/decision/policy.yaml" "$CHART/files/policy.yaml"; then
  echo "FAIL charts/screening/files/policy.yaml differs from services/decision/policy.yaml (the packaged default policy):" >&2
  echo "     cp services/decision/policy.yaml charts/screening/files/policy.yaml" >&2
  exit 1
fi
"$PYTHON" "$ROOT/charts/screening/tests/check_rendered.py" --values-schema "$CHART/values.schema.json"
echo "ok: no 'now', policy file in sync, values schema closed at every level"

# --- lint ---------------------------------------------------------------------------------------------
step "helm lint --strict"
helm lint --strict "$CHART" --kube-version "$KUBE_VERSION" --quiet
for values in "$CHART"/ci/*-values.yaml; do
  helm lint --strict "$CHART" --kube-version "$KUBE_VERSION" --quiet -f "$values"
done
echo "ok"

# --- render, validate, check --------------------------------------------------------------------------
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT
SCHEMAS="$ROOT/charts/screening/tests/schemas"

step "helm template + kubeconform (schemas: charts/screening/tests/schemas, Kubernetes $KUBE_VERSION)"
for values in "$CHART"/ci/*-values.yaml; do
  name="$(basename "$values" -values.yaml)"
  helm template screening "$CHART" --namespace screening --kube-version "$KUBE_VERSION" \
    -f "$values" > "$OUT/$name.yaml"
  echo "$name:"
  kubeconform -strict -summary -kubernetes-version "$KUBE_VERSION" \
    -schema-location "$SCHEMAS/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
    "$OUT/$name.yaml" | sed "s|$OUT/||"
  # kubeconform exits non-zero on invalid objects and on objects without a schema (no -ignore-missing-schemas)
done

step "workload rules (check_rendered.py)"
"$PYTHON" "$ROOT/charts/screening/tests/check_rendered.py" --repo "$ROOT" "$OUT"/*.yaml
echo "ok: probes, resources, security contexts, disruption budgets, serve config"

# --- golden renders -----------------------------------------------------------------------------------
if [ "$SKIP_GOLDEN" = 0 ]; then
  step "golden renders (charts/screening/tests/golden)"
  GOLDEN="$ROOT/charts/screening/tests/golden"
  mkdir -p "$GOLDEN"
  if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
    rm -f "$GOLDEN"/*.yaml
    cp "$OUT"/*.yaml "$GOLDEN"/
    echo "updated: $(cd "$GOLDEN" && ls *.yaml | tr '\n' ' ')"
  else
    status=0
    for rendered in "$OUT"/*.yaml; do
      name="$(basename "$rendered")"
      if ! diff -u --label "golden/$name" --label "rendered/$name" "$GOLDEN/$name" "$rendered"; then
        status=1
      fi
    done
    for golden in "$GOLDEN"/*.yaml; do
      [ -e "$OUT/$(basename "$golden")" ] || { echo "FAIL golden/$(basename "$golden") has no ci values file any more"; status=1; }
    done
    if [ "$status" != 0 ]; then
      echo "FAIL the rendered chart differs from the golden renders; if the change is intended run:" >&2
      echo "     UPDATE_GOLDEN=1 bash ci/helm-check.sh   and commit charts/screening/tests/golden/" >&2
      exit 1
    fi
    echo "ok: renders match"
  fi
fi

# --- negative tests -----------------------------------------------------------------------------------
if [ "$SKIP_NEGATIVE" = 0 ]; then
  step "negative tests (charts/screening/tests/negative.sh)"
  bash "$ROOT/charts/screening/tests/negative.sh"
fi

# --- server-side install -------------------------------------------------------------------------------
APISERVER="${HELM_CHECK_APISERVER:-auto}"
if [ "$APISERVER" = 1 ] && ! command -v etcd >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null
fi
if [ "$APISERVER" = 1 ] || { [ "$APISERVER" = auto ] && [ -x "$BIN/kube-apiserver" ] && command -v etcd >/dev/null 2>&1; }; then
  step "install into kube-apiserver $KUBE_VERSION + etcd (charts/screening/tests/apiserver-install.sh)"
  bash "$ROOT/charts/screening/tests/apiserver-install.sh" "$CHART"
else
  step "install into kube-apiserver: skipped (HELM_CHECK_APISERVER=$APISERVER; needs .cache/bin/kube-apiserver and etcd)"
fi

printf '\nhelm-check: all checks passed in %ss\n' "$((SECONDS - START))"
