{{/*
Names, labels and the pieces every component shares. Components: ingest, decision, workers, triton,
otel-collector. Object names are "<fullname>-<component>".
*/}}

{{- define "screening.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "screening.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* "<fullname>-<component>"; call with (dict "root" $ "component" "ingest") */}}
{{- define "screening.componentName" -}}
{{- printf "%s-%s" (include "screening.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "screening.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "screening.selectorLabels" -}}
app.kubernetes.io/name: {{ include "screening.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "screening.labels" -}}
{{ include "screening.selectorLabels" . }}
helm.sh/chart: {{ include "screening.chart" .root }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: screening
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* image reference; call with (dict "image" .Values.image "root" $) */}}
{{- define "screening.image" -}}
{{- $tag := default .root.Chart.AppVersion .image.tag -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "screening.serviceAccountName" -}}
{{- if .root.Values.serviceAccount.create -}}
{{- include "screening.componentName" . -}}
{{- else -}}
default
{{- end -}}
{{- end -}}

{{/* A component's value, or the shared default: (dict "values" .Values.ingest "root" $ "key" "nodeSelector") */}}
{{- define "screening.pick" -}}
{{- $own := get .values .key -}}
{{- if $own -}}
{{- toYaml $own -}}
{{- else -}}
{{- toYaml (get .root.Values.defaults .key) -}}
{{- end -}}
{{- end -}}

{{- define "screening.kafkaBootstrapServers" -}}
{{- if .Values.kafka.strimzi.enabled -}}
{{- printf "%s-kafka-bootstrap:9092" .Values.kafka.strimzi.clusterName -}}
{{- else -}}
{{- .Values.kafka.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{- define "screening.tritonGrpcUrl" -}}
{{- printf "%s:%d" (include "screening.componentName" (dict "root" . "component" "triton")) (int .Values.triton.ports.grpc) -}}
{{- end -}}

{{- define "screening.otlpEndpoint" -}}
{{- if .Values.telemetry.otlpEndpoint -}}
{{- .Values.telemetry.otlpEndpoint -}}
{{- else if .Values.telemetry.collector.enabled -}}
{{- printf "http://%s:4317" (include "screening.componentName" (dict "root" . "component" "otel-collector")) -}}
{{- end -}}
{{- end -}}

{{- define "screening.policyConfigMap" -}}
{{- default (include "screening.componentName" (dict "root" . "component" "policy")) .Values.policy.existingConfigMap -}}
{{- end -}}

{{/* Environment every Python role reads; call with (dict "root" $ "component" "ingest") */}}
{{- define "screening.commonEnv" -}}
{{- $root := .root -}}
- name: SCREENING_KAFKA_BOOTSTRAP_SERVERS
  value: {{ include "screening.kafkaBootstrapServers" $root | quote }}
- name: SCREENING_TOPIC_PARTITIONS
  value: {{ $root.Values.kafka.topicPartitions | quote }}
- name: SCREENING_TRITON_GRPC_URL
  value: {{ include "screening.tritonGrpcUrl" $root | quote }}
- name: SCREENING_CLASSIFIERS
  value: {{ join "," $root.Values.classifiers | quote }}
- name: SCREENING_LOG_LEVEL
  value: {{ $root.Values.logLevel | quote }}
- name: SCREENING_OTEL_EXPORTER
  value: {{ $root.Values.telemetry.exporter | quote }}
{{- if eq $root.Values.telemetry.exporter "otlp" }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ include "screening.otlpEndpoint" $root | quote }}
{{- end }}
{{- if eq $root.Values.telemetry.exporter "file" }}
- name: SCREENING_TELEMETRY_DIR
  value: /tmp/telemetry
{{- end }}
- name: OTEL_SERVICE_NAME
  value: {{ printf "screening-%s" .component | quote }}
- name: OTEL_RESOURCE_ATTRIBUTES
  value: {{ printf "service.namespace=screening,k8s.namespace.name=%s" $root.Release.Namespace | quote }}
- name: HOME
  value: /tmp
{{- end -}}

{{/* SCREENING_<COMPONENT>_<KEY> for each entry of a component's `settings` map */}}
{{- define "screening.componentSettingsEnv" -}}
{{- $prefix := .prefix -}}
{{- range $key, $value := .settings }}
- name: {{ printf "%s%s" $prefix (upper $key) }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* Pod-level scheduling and security; call with (dict "root" $ "values" .Values.ingest "component" "ingest") */}}
{{- define "screening.podCommon" -}}
{{- $root := .root -}}
{{- if not .kuberayManagedAccount }}
serviceAccountName: {{ include "screening.serviceAccountName" . }}
automountServiceAccountToken: {{ $root.Values.serviceAccount.automountToken }}
{{- end }}
securityContext:
  {{- if .podSecurityContext }}
  {{- toYaml .podSecurityContext | nindent 2 }}
  {{- else }}
  {{- include "screening.pick" (dict "values" .values "root" $root "key" "podSecurityContext") | nindent 2 }}
  {{- end }}
terminationGracePeriodSeconds: {{ $root.Values.defaults.terminationGracePeriodSeconds }}
{{- with $root.Values.defaults.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- with $root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- $nodeSelector := include "screening.pick" (dict "values" .values "root" $root "key" "nodeSelector") | fromYaml }}
{{- with $nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- $affinity := include "screening.pick" (dict "values" .values "root" $root "key" "affinity") | fromYaml }}
{{- with $affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- $tolerations := concat ($root.Values.defaults.tolerations | default list) (.values.tolerations | default list) (.extraTolerations | default list) }}
{{- with $tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- if $root.Values.defaults.spreadOverNodes }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "screening.selectorLabels" . | nindent 8 }}
{{- end }}
{{- end -}}

{{/* Pod metadata (labels + annotations) */}}
{{- define "screening.podMetadata" -}}
labels:
  {{- include "screening.selectorLabels" . | nindent 2 }}
  app.kubernetes.io/part-of: screening
  {{- with .root.Values.defaults.podLabels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- $annotations := merge (dict) (.values.podAnnotations | default dict) .root.Values.defaults.podAnnotations (.annotations | default dict) }}
{{- with $annotations }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "screening.containerSecurityContext" -}}
{{- toYaml .root.Values.defaults.containerSecurityContext -}}
{{- end -}}

{{/* The components this release runs, in a fixed order (for loops over PDBs, accounts, policies) */}}
{{- define "screening.components" -}}
{{- $list := list -}}
{{- if .Values.ingest.enabled }}{{ $list = append $list "ingest" }}{{ end -}}
{{- if .Values.decision.enabled }}{{ $list = append $list "decision" }}{{ end -}}
{{- if .Values.workers.enabled }}{{ $list = append $list "workers" }}{{ end -}}
{{- if .Values.triton.enabled }}{{ $list = append $list "triton" }}{{ end -}}
{{- if .Values.telemetry.collector.enabled }}{{ $list = append $list "otel-collector" }}{{ end -}}
{{- toJson $list -}}
{{- end -}}

{{/* The writable /tmp of a read-only pod */}}
{{- define "screening.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.defaults.tmpSizeLimit }}
{{- end -}}

{{/* Fails the render with a clear message when a consumer could scale beyond the partitions */}}
{{- define "screening.checkConsumerReplicas" -}}
{{- $partitions := int .root.Values.kafka.topicPartitions -}}
{{- if gt (int .max) $partitions -}}
{{- fail (printf "%s: maxReplicas %d exceeds kafka.topicPartitions %d (extra consumers would idle)" .name (int .max) $partitions) -}}
{{- end -}}
{{- end -}}

{{/* Environment of the worker processes (plain Deployment and Ray pods alike) */}}
{{- define "screening.workersEnv" -}}
- name: SCREENING_WORKERS_HEALTH_HOST
  value: "0.0.0.0"
- name: SCREENING_WORKERS_HEALTH_PORT
  value: {{ .Values.workers.healthPort | quote }}
{{- /* Ray starts its workers at nice 15; the Serve replicas are on every request's path */}}
- name: RAY_worker_niceness
  value: "0"
{{- /* Serve replicas run user code and handle routers on their own event loop (fewer thread hops) */}}
- name: RAY_SERVE_RUN_USER_CODE_IN_SEPARATE_THREAD
  value: "0"
- name: RAY_SERVE_RUN_ROUTER_IN_SEPARATE_LOOP
  value: "0"
{{- /* Ray's timers at rest: Serve's controller loop and metrics export every second (see
services/workers/__main__.py; Ray's own Prometheus metrics stay on here, for the cluster's monitoring) */}}
- name: RAY_SERVE_CONTROL_LOOP_INTERVAL_S
  value: "1.0"
- name: RAY_SERVE_METRICS_EXPORT_INTERVAL_MS
  value: "1000"
{{- /* Kafka static membership: a request-consumer replica replacing a dead one on this pod (same
Serve rank) takes its partitions back at once */}}
- name: SCREENING_WORKERS_GROUP_INSTANCE_ID
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
{{- include "screening.componentSettingsEnv" (dict "prefix" "SCREENING_WORKERS_" "settings" .Values.workers.settings) }}
{{- with .Values.workers.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* A memory quantity (Mi or Gi) in MiB, for GOMEMLIMIT */}}
{{- define "screening.memoryMiB" -}}
{{- $q := toString . -}}
{{- if hasSuffix "Gi" $q -}}
{{- mul (trimSuffix "Gi" $q | int) 1024 -}}
{{- else if hasSuffix "Mi" $q -}}
{{- trimSuffix "Mi" $q | int -}}
{{- else -}}
{{- fail (printf "memory limit %q: write it in Mi or Gi" $q) -}}
{{- end -}}
{{- end -}}

{{/* Labels for objects whose pods are labelled by an operator (Strimzi): none of our selector labels, so
     that the release's NetworkPolicies and PodDisruptionBudgets never select the operator's pods */}}
{{- define "screening.operatorObjectLabels" -}}
helm.sh/chart: {{ include "screening.chart" . }}
app.kubernetes.io/part-of: screening
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}
