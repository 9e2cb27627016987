{{- define "stanchion.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "stanchion.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "stanchion.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end -}}

{{- define "stanchion.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "stanchion.secretName" -}}
{{- .Values.secret.existing | default (printf "%s-secrets" (include "stanchion.fullname" .)) -}}
{{- end -}}

{{/* The pod parts the gateway and the migration Job share: who runs, what is mounted. */}}
{{- define "stanchion.podSecurity" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile: {type: RuntimeDefault}
{{- end -}}

{{- define "stanchion.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: {drop: [ALL]}
{{- end -}}

{{- define "stanchion.env" -}}
envFrom:
  - secretRef: {name: {{ include "stanchion.secretName" . }}}
env:
  - {name: STANCHION_SPOOL_DIR, value: /var/lib/stanchion/spool}
  - {name: STANCHION_AUDIT_CHECKPOINT, value: /var/lib/stanchion/audit.checkpoint}
  - {name: STANCHION_DRAIN_FILE, value: /tmp/stanchion-drain}
  - {name: STANCHION_LOG_FORMAT, value: json}
{{- end -}}

{{- define "stanchion.mounts" -}}
volumeMounts:
  - {name: spec, mountPath: /srv/app, readOnly: true}
  - {name: state, mountPath: /var/lib/stanchion}
  - {name: tmp, mountPath: /tmp}
{{- end -}}

{{- define "stanchion.volumes" -}}
volumes:
  - name: spec
    configMap:
      name: {{ include "stanchion.fullname" . }}-spec
      items:
        - {key: stanchion.yaml, path: stanchion.yaml}
        {{- range $i, $path := keys .Values.files | sortAlpha }}
        - {key: {{ printf "file-%d" $i }}, path: {{ $path | quote }}}
        {{- end }}
  - name: state
    emptyDir: {sizeLimit: 1Gi}
  - name: tmp
    emptyDir: {medium: Memory, sizeLimit: 64Mi}
{{- end -}}
