{{/* The chart's name, or nameOverride; at most 63 characters (a DNS label). */}}
{{- define "evalbridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: fullnameOverride, or <release>-<chart> (the release alone when it
     already contains the chart's name). */}}
{{- define "evalbridge.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "evalbridge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "evalbridge.labels" -}}
helm.sh/chart: {{ include "evalbridge.chart" . }}
{{ include "evalbridge.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the pods (never change them on an upgrade: a Deployment's selector is fixed). */}}
{{- define "evalbridge.selectorLabels" -}}
app.kubernetes.io/name: {{ include "evalbridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The Secret with the credentials: secret.name, or the full name. */}}
{{- define "evalbridge.secretName" -}}
{{- default (include "evalbridge.fullname" .) .Values.secret.name }}
{{- end }}

{{- define "evalbridge.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* evalbridge.json: .Values.config with the "ledger" section written by the chart (the URL and
     password from the environment, set from the Secret) and server.listen on the container port. */}}
{{- define "evalbridge.config" -}}
{{- $config := deepCopy .Values.config }}
{{- if hasKey $config "ledger" }}
{{- fail "config.ledger: leave it out; set ledger.urlSecret, ledger.passwordSecret and ledger.retention instead" }}
{{- end }}
{{- $ledger := dict "url" "${env:EVALBRIDGE_LEDGER_URL}" }}
{{- if .Values.ledger.passwordSecret.key }}
{{- $_ := set $ledger "password" "${env:EVALBRIDGE_LEDGER_PASSWORD}" }}
{{- end }}
{{- with .Values.ledger.retention }}
{{- $_ := set $ledger "retention" . }}
{{- end }}
{{- $_ := set $config "ledger" $ledger }}
{{- $server := default (dict) $config.server }}
{{- $_ := set $server "listen" (printf "0.0.0.0:%d" (int .Values.containerPort)) }}
{{- $_ := set $config "server" $server }}
{{- toPrettyJson $config }}
{{- end }}
