{{/*
Names. The full name is cut to 50 characters (not Helm's usual 63) so that the longest
suffix the chart adds ("-scheduler") still leaves every object name a valid DNS label.
*/}}
{{- define "flowauto.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 50 | trimSuffix "-" }}
{{- end }}

{{- define "flowauto.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 50 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "flowauto.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels every object carries. */}}
{{- define "flowauto.labels" -}}
helm.sh/chart: {{ include "flowauto.chart" . }}
{{ include "flowauto.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flowauto
{{- end }}

{{/* The labels that pick this release's pods (all roles). */}}
{{- define "flowauto.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flowauto.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The Deployments this release runs, as a YAML list: one "combined" Deployment whose pods
run every role, or one Deployment per role. `public`: the pods serve the public API (8082)
and so stand behind the public Service. `singleton`: always exactly one replica, never an
autoscaler (the scheduler; see values.yaml).
*/}}
{{- define "flowauto.components" -}}
{{- if .Values.roles.split }}
- name: api
  roles: api
  public: true
  singleton: false
- name: worker
  roles: worker
  public: false
  singleton: false
- name: scheduler
  roles: scheduler
  public: false
  singleton: true
{{- else }}
- name: combined
  roles: api,worker,scheduler
  public: true
  singleton: false
{{- end }}
{{- end }}

{{/* Selector labels of one component's pods; takes (dict "context" $ "component" $c). */}}
{{- define "flowauto.componentSelectorLabels" -}}
{{ include "flowauto.selectorLabels" .context }}
app.kubernetes.io/component: {{ .component.name }}
{{- end }}

{{/* Labels of one component's objects; takes (dict "context" $ "component" $c). */}}
{{- define "flowauto.componentLabels" -}}
{{ include "flowauto.labels" .context }}
app.kubernetes.io/component: {{ .component.name }}
{{- end }}

{{- define "flowauto.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flowauto.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "flowauto.configMapName" -}}
{{- include "flowauto.fullname" . }}-config
{{- end }}

{{/* The Secret the pods read credentials from: existingSecret or the chart's own. */}}
{{- define "flowauto.secretName" -}}
{{- if .Values.existingSecret }}
{{- .Values.existingSecret }}
{{- else }}
{{- include "flowauto.fullname" . }}-secret
{{- end }}
{{- end }}

{{- define "flowauto.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/* Where executors call back: the public Service unless server.publicUrl says otherwise. */}}
{{- define "flowauto.publicUrl" -}}
{{- if .Values.server.publicUrl }}
{{- .Values.server.publicUrl }}
{{- else }}
{{- printf "http://%s-public.%s.svc:%d" (include "flowauto.fullname" .) .Release.Namespace (int .Values.service.public.port) }}
{{- end }}
{{- end }}

{{/* True (non-empty) when the SQL or document store is the embedded SQLite file. */}}
{{- define "flowauto.embeddedStores" -}}
{{- if and (not .Values.existingSecret) (or (not .Values.mongodb.url) (not .Values.mysql.url)) }}true{{- end }}
{{- end }}

{{/*
Settings that cannot work together; rendering stops with a message saying what to change.
*/}}
{{- define "flowauto.validate" -}}
{{- if .Values.existingSecret }}
{{- range $field := list "mongodb.url" "mysql.url" "redis.url" "hydra.clientSecret" "secrets.webhookKey" "secrets.keys" }}
{{- $parts := splitList "." $field }}
{{- if index (index $.Values (first $parts)) (last $parts) }}
{{- fail (printf "%s is set, but existingSecret %q replaces the chart's Secret: put the value in that Secret instead (see values.yaml for its key names)" $field $.Values.existingSecret) }}
{{- end }}
{{- end }}
{{- if .Values.secrets.extra }}
{{- fail (printf "secrets.extra is set, but existingSecret %q replaces the chart's Secret: put those variables in that Secret instead" .Values.existingSecret) }}
{{- end }}
{{- end }}
{{- $drain := float64 .Values.engine.drainSeconds }}
{{- $needed := addf $drain .Values.lifecycle.preStopSleepSeconds 5 }}
{{- if lt (float64 .Values.terminationGracePeriodSeconds) $needed }}
{{- fail (printf "terminationGracePeriodSeconds (%v) must be at least preStopSleepSeconds + engine.drainSeconds + 5 s for the HTTP servers to stop (%v), or running steps are killed mid-drain" .Values.terminationGracePeriodSeconds $needed) }}
{{- end }}
{{- range $component := include "flowauto.components" . | fromYamlArray }}
{{- $role := index $.Values.roles $component.name }}
{{- if and (not $component.singleton) $role.podDisruptionBudget.enabled }}
{{- $pdb := $role.podDisruptionBudget }}
{{- if and (kindIs "invalid" $pdb.minAvailable) (kindIs "invalid" $pdb.maxUnavailable) }}
{{- fail (printf "roles.%s.podDisruptionBudget: set minAvailable or maxUnavailable" $component.name) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
