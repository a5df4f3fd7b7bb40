{{- define "framewise.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "framewise.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "framewise.labels" -}}
{{ include "framewise.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "framewise.image" -}}
{{- $v := .root.Values.image -}}
{{- printf "%s%s:%s" $v.registry (index $v .image) ($v.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{- define "framewise.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.secrets.name }}
      key: {{ index .root.Values.secrets.keys .key }}
{{- end -}}

{{- define "framewise.logEnv" -}}
- name: LOG_FORMAT
  value: {{ .Values.log.format | quote }}
- name: LOG_LEVEL
  value: {{ .Values.log.level | quote }}
- name: MEDIA_ROOTS
  value: {{ .Values.media.mountPath | quote }}
{{- end -}}

{{- define "framewise.mediaClaim" -}}
{{- .Values.media.existingClaim | default (printf "%s-media" (include "framewise.fullname" .)) -}}
{{- end -}}

{{- define "framewise.modelClaim" -}}
{{- .Values.modelCache.existingClaim | default (printf "%s-models" (include "framewise.fullname" .)) -}}
{{- end -}}

{{- define "framewise.mlUrl" -}}
{{- printf "http://%s-ml:%v" (include "framewise.fullname" .) .Values.ml.port -}}
{{- end -}}

{{- define "framewise.podSecurity" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 10001
  fsGroup: 10001
  seccompProfile:
    type: RuntimeDefault
{{- end -}}

{{- define "framewise.containerSecurity" -}}
securityContext:
  allowPrivilegeEscalation: false
  capabilities:
    drop: ["ALL"]
{{- end -}}
