#!/usr/bin/env bash
# Installs the chart into a real, throw-away kube-apiserver (no kubelet, no controllers: nothing runs,
# but every object goes through the API server's own validation: types, required fields, defaulting,
# the CRDs' structural schemas with strict field validation, admission).
#
# Needs: kube-apiserver (built from the Go module k8s.io/kubernetes, see BUILD below) and etcd (Debian's
# etcd-server). Opt-in, because the first build of kube-apiserver takes a long time on two cores:
#
#   bash charts/screening/tests/apiserver-install.sh [CHART]    # builds/uses .cache/bin/kube-apiserver
#
# BUILD (once; cached in .cache/bin):
#   a module that requires k8s.io/kubernetes vX.Y.Z and replaces each k8s.io/<staging module> with its
#   v0.Y.Z release (k8s.io/kubernetes' own go.mod points them at ./staging, which `go install
#   pkg@version` refuses), then `go build k8s.io/kubernetes/cmd/kube-apiserver` — done by build_apiserver.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
CHART="${1:-$ROOT/charts/screening}"
KUBE_VERSION=1.34.4
KUBERAY_VERSION=v1.5.1
KEDA_VERSION=v2.20.2
CACHE="$ROOT/.cache"
BIN="$CACHE/bin"
export PATH="$BIN:$PATH:/usr/local/go/bin"
# A Python with the kubernetes client and PyYAML: the project's .venv, else one made under .cache.
PYTHON="$ROOT/.venv/bin/python"
if ! { [ -x "$PYTHON" ] && "$PYTHON" -c 'import kubernetes, yaml' 2>/dev/null; }; then
  PYTHON="$CACHE/apiserver-venv/bin/python"
  if ! { [ -x "$PYTHON" ] && "$PYTHON" -c 'import kubernetes, yaml' 2>/dev/null; }; then
    python3 -m venv "$CACHE/apiserver-venv"
    "$CACHE/apiserver-venv/bin/pip" install -q -c "$ROOT/requirements.lock" kubernetes pyyaml
  fi
fi
export PYTHONWARNINGS=ignore  # the throw-away server's self-signed certificate

build_apiserver() {
  [ -x "$BIN/kube-apiserver" ] && return 0
  local dir="$CACHE/kube-apiserver-build"
  mkdir -p "$dir" "$BIN"
  local kmod
  kmod="$(go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  {
    printf 'module apiserverbuild\n\ngo 1.24\n\nrequire k8s.io/kubernetes v%s\n\nreplace (\n' "$KUBE_VERSION"
    grep -E '^\s+k8s.io/[a-z0-9-]+ => ./staging' "$kmod/go.mod" | awk -v v="v0.${KUBE_VERSION#1.}" '{print "\t"$1" => "$1" "v}'
    printf ')\n'
  } > "$dir/go.mod"
  printf 'package main\n\nimport _ "k8s.io/kubernetes/cmd/kube-apiserver/app"\n\nfunc main() {}\n' > "$dir/main.go"
  # -X: the version the server reports (Helm checks the chart's kubeVersion against it).
  (cd "$dir" && go mod tidy && go build -p 1 -o "$BIN/kube-apiserver" -ldflags "\
    -X k8s.io/component-base/version.gitVersion=v$KUBE_VERSION \
    -X k8s.io/component-base/version.gitMajor=${KUBE_VERSION%%.*} \
    -X k8s.io/component-base/version.gitMinor=$(echo "$KUBE_VERSION" | cut -d. -f2)" \
    k8s.io/kubernetes/cmd/kube-apiserver)
}

build_apiserver
command -v etcd >/dev/null || { echo "etcd is needed: apt-get install etcd-server" >&2; exit 1; }

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# etcd and the API server on loopback ports of this machine only.
etcd --data-dir "$WORK/etcd" --listen-client-urls http://127.0.0.1:23790 \
  --advertise-client-urls http://127.0.0.1:23790 --listen-peer-urls http://127.0.0.1:23800 \
  > "$WORK/etcd.log" 2>&1 &
PIDS+=($!)

openssl genrsa -out "$WORK/sa.key" 2048 2>/dev/null
openssl rsa -in "$WORK/sa.key" -pubout -out "$WORK/sa.pub" 2>/dev/null
TOKEN="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$TOKEN,admin,admin,system:masters" > "$WORK/tokens.csv"

kube-apiserver --etcd-servers http://127.0.0.1:23790 --bind-address 127.0.0.1 --advertise-address 127.0.0.1 \
  --secure-port 36443 --cert-dir "$WORK/certs" --token-auth-file "$WORK/tokens.csv" \
  --authorization-mode RBAC --service-cluster-ip-range 10.96.0.0/16 \
  --service-account-issuer https://kubernetes.default.svc --service-account-key-file "$WORK/sa.pub" \
  --service-account-signing-key-file "$WORK/sa.key" --enable-priority-and-fairness=false \
  > "$WORK/apiserver.log" 2>&1 &
PIDS+=($!)

cat > "$WORK/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: test, cluster: {server: "https://127.0.0.1:36443", insecure-skip-tls-verify: true}}]
users: [{name: admin, user: {token: "$TOKEN"}}]
contexts: [{name: test, context: {cluster: test, user: admin}}]
current-context: test
EOF
export KUBECONFIG="$WORK/kubeconfig"

for _ in $(seq 1 120); do
  helm version >/dev/null 2>&1 && "$PYTHON" - <<'EOF' >/dev/null 2>&1 && break
from kubernetes import client, config
config.load_kube_config()
assert client.VersionApi().get_code().git_version
EOF
  sleep 1
done

# The CRDs of KubeRay and KEDA from their Go modules; Strimzi's from the hand-written schemas (made
# structural: no additionalProperties false, which CRDs do not allow).
"$PYTHON" - "$ROOT" "$KUBERAY_VERSION" "$KEDA_VERSION" <<'EOF'
import json, pathlib, subprocess, sys, time
import yaml
from kubernetes import client, config, utils
root, kuberay, keda = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
def module_dir(mod):
    return pathlib.Path(json.loads(subprocess.check_output(["go", "mod", "download", "-json", mod]))["Dir"])
config.load_kube_config()
api = client.ApiClient()
crds = [module_dir(f"github.com/ray-project/kuberay/ray-operator@{kuberay}") / "config/crd/bases/ray.io_rayservices.yaml",
        module_dir(f"github.com/kedacore/keda/v2@{keda}") / "config/crd/bases/keda.sh_scaledobjects.yaml"]
docs = [yaml.safe_load(p.read_text()) for p in crds]
def structural(node):
    """JSON schema -> CRD structural schema: no additionalProperties false, one type per node, no uniqueItems."""
    if isinstance(node, dict):
        out = {k: structural(v) for k, v in node.items()
               if not (k == "additionalProperties" and v is False)
               and k not in ("$schema", "$comment", "allOf", "uniqueItems")}
        if isinstance(out.get("type"), list) or "anyOf" in out:  # scalar of several types (config values)
            return {"x-kubernetes-int-or-string": True} if "anyOf" in out else {"x-kubernetes-preserve-unknown-fields": True}
        if "enum" in out and "type" not in out:
            out["type"] = "string"
        return out
    if isinstance(node, list):
        return [structural(v) for v in node]
    return node
for kind, plural in (("Kafka", "kafkas"), ("KafkaNodePool", "kafkanodepools"), ("KafkaTopic", "kafkatopics")):
    schema = json.loads((root / f"charts/screening/tests/schemas/kafka.strimzi.io/{kind.lower()}_v1beta2.json").read_text())
    schema = structural(schema)
    for key in ("apiVersion", "kind", "metadata"):
        schema["properties"][key] = {"type": "string"} if key != "metadata" else {"type": "object"}
    schema.pop("required", None); schema["required"] = ["spec"]
    docs.append({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
                 "metadata": {"name": f"{plural}.kafka.strimzi.io"},
                 "spec": {"group": "kafka.strimzi.io", "scope": "Namespaced",
                          "names": {"kind": kind, "plural": plural, "singular": kind.lower()},
                          "versions": [{"name": "v1beta2", "served": True, "storage": True,
                                        "schema": {"openAPIV3Schema": schema}}]}})
for doc in docs:
    utils.create_from_dict(api, doc)
ext = client.ApiextensionsV1Api()
for _ in range(60):
    if all(any(c.type == "Established" and c.status == "True" for c in (crd.status.conditions or []))
           for crd in ext.list_custom_resource_definition().items):
        break
    time.sleep(1)
print(f"{len(docs)} CRDs established")
EOF

# Every ci values file must install; a broken object must be refused (so that this test can fail).
status=0
for values in "$CHART"/ci/*-values.yaml; do
  name="$(basename "$values" -values.yaml)"
  ns="install-$name"
  if helm install "screening" "$CHART" -n "$ns" --create-namespace -f "$values" \
       --wait=false --timeout 60s > "$WORK/$name.log" 2>&1 && ! grep -qi "unknown field" "$WORK/$name.log"; then
    count="$(helm get manifest screening -n "$ns" | grep -c '^kind:')"
    echo "ok   $name: installed, $count objects accepted by kube-apiserver $KUBE_VERSION"
  else
    echo "FAIL $name:"; sed 's/^/     /' "$WORK/$name.log"; status=1
  fi
done

mkdir -p "$WORK/broken/screening"
cp -R "$CHART/." "$WORK/broken/screening/"
cat > "$WORK/broken/screening/templates/zz-broken.yaml" <<'EOF'
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: broken
spec:
  rayClusterConfig:
    headGroupSpec:
      template:
        spec:
          containers: [{name: head, image: x, resources: {limits: {memory: lots}}}]
EOF
if helm install broken "$WORK/broken/screening" -n install-broken --create-namespace --wait=false \
     > "$WORK/broken.log" 2>&1; then
  echo "FAIL broken: the server accepted a RayService with an invalid quantity"; status=1
elif grep -q "limits.memory: Invalid value" "$WORK/broken.log"; then
  echo "ok   broken: the server refuses an invalid object (a RayService with an invalid quantity)"
else
  echo "FAIL broken: refused, but not for the expected reason:"; sed 's/^/     /' "$WORK/broken.log"; status=1
fi
exit $status
