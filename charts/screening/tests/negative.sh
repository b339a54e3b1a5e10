#!/usr/bin/env bash
# Proves that ci/helm-check.sh fails when the chart is wrong: each case copies the chart, breaks it in
# one way, runs the check on the copy and expects a non-zero exit and a telling message.
# Run by ci/helm-check.sh; on its own: bash charts/screening/tests/negative.sh
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
passed=0
failed=0

# expect_failure NAME EXPECTED-TEXT EXTRA-ARGS... ; the broken chart is $WORK/NAME/screening
expect_failure() {
  local name=$1 expected=$2
  shift 2
  local log="$WORK/$name.log"
  if UPDATE_GOLDEN=0 HELM_CHECK_APISERVER=0 bash "$ROOT/ci/helm-check.sh" --chart "$WORK/$name/screening" --skip-negative "$@" > "$log" 2>&1; then
    echo "FAIL $name: the check passed on a broken chart"
    failed=$((failed + 1))
  elif ! grep -q -- "$expected" "$log"; then
    echo "FAIL $name: the check failed, but without '$expected':"
    tail -5 "$log" | sed 's/^/     /'
    failed=$((failed + 1))
  else
    echo "ok   $name: fails with '$expected'"
    passed=$((passed + 1))
  fi
}

copy() { mkdir -p "$WORK/$1" && cp -R "$ROOT/charts/screening" "$WORK/$1/screening"; }

# 1. A template that does not parse.
copy broken-template
printf '{{ .Values.ingest.port \n' >> "$WORK/broken-template/screening/templates/ingest.yaml"
expect_failure broken-template "parse error" --skip-golden

# 2. A value outside the schema (a privileged port) and an unknown key.
copy value-outside-schema
printf 'ingest:\n  port: 80\n' > "$WORK/value-outside-schema/screening/ci/zz-bad-values.yaml"
expect_failure value-outside-schema "minimum" --skip-golden
copy unknown-value
printf 'ingest:\n  replicaz: 3\n' > "$WORK/unknown-value/screening/ci/zz-bad-values.yaml"
expect_failure unknown-value "additional properties 'replicaz' not allowed" --skip-golden

# 3. A rendered object with a field the Kubernetes schema does not know (kubeconform, strict).
copy unknown-field
cat > "$WORK/unknown-field/screening/templates/zz-bad.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: bad
spec:
  selector: {app.kubernetes.io/component: ingest}
  ports: [{port: 1, protocl: TCP}]
EOF
expect_failure unknown-field "additional properties 'protocl' not allowed" --skip-golden

# 4. A CRD object that breaks its CRD schema (RayService without rayClusterConfig).
copy bad-custom-resource
cat > "$WORK/bad-custom-resource/screening/templates/zz-bad.yaml" <<'EOF'
apiVersion: ray.io/v1
kind: RayService
metadata:
  name: bad
spec:
  serveConfigV2: "applications: []"
EOF
expect_failure bad-custom-resource "missing property 'rayClusterConfig'" --skip-golden

# 5. A Deployment without probes and without a PodDisruptionBudget (valid for Kubernetes, not for us).
copy workload-rules
cat > "$WORK/workload-rules/screening/templates/zz-bad.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: bad
spec:
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}}
    spec:
      containers:
        - name: bad
          image: bad:1
EOF
expect_failure workload-rules "has no livenessProbe" --skip-golden
if grep -q "no PodDisruptionBudget selects its pods" "$WORK/workload-rules.log" \
   && grep -q "root filesystem is not read-only" "$WORK/workload-rules.log"; then
  echo "ok   workload-rules: also reports the missing PodDisruptionBudget and security context"
  passed=$((passed + 1))
else
  echo "FAIL workload-rules: the missing PodDisruptionBudget or security context went unreported"
  failed=$((failed + 1))
fi

# 6. An unintended change of the rendered output (golden renders).
copy golden-drift
sed -i 's/maxSurge: 25%/maxSurge: 50%/' "$WORK/golden-drift/screening/templates/ingest.yaml"
expect_failure golden-drift "differs from the golden renders"

echo
echo "negative: $passed passed, $failed failed"
[ "$failed" = 0 ]
