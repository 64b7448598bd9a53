#!/usr/bin/env bash
# The VerticalPodAutoscaler CRDs for the integration tests, taken from the upstream module's own files
# (k8s.io/autoscaler/vertical-pod-autoscaler, deploy/vpa-v1-crd-gen.yaml) through the Go module proxy, never copied
# into the repo: cached once per version as ${XDG_CACHE_HOME:-~/.cache}/mora/vpa-<version>/vpa-v1-crd-gen.yaml.
# Idempotent; once cached it only checks (offline-safe). Without Go it says so and exits 1.
#
# Usage: bash scripts/install-vpa-crd.sh [--print-file]
set -euo pipefail

VPA_VERSION="${MORA_VPA_VERSION:-v1.8.1}"
MODULE="k8s.io/autoscaler/vertical-pod-autoscaler"
CACHE_ROOT="${XDG_CACHE_HOME:-${HOME}/.cache}/mora"
DIR="${CACHE_ROOT}/vpa-${VPA_VERSION}"
FILE="${DIR}/vpa-v1-crd-gen.yaml"

if [[ "${1:-}" == "--print-file" ]]; then
  echo "${FILE}"
  exit 0
fi

log() { echo "[install-vpa-crd] $*" >&2; }

[[ -s "${FILE}" ]] && exit 0

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed: the VPA CRD for the tests comes from the Go module ${MODULE}@${VPA_VERSION}. Install Go, then re-run: bash scripts/install-vpa-crd.sh"
  exit 1
fi

mkdir -p "${DIR}"
# The module is a library module: `go mod download` fetches it into the module cache without building anything.
moddir="$(cd "${DIR}" && go mod download -json "${MODULE}@${VPA_VERSION}" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
src="${moddir}/deploy/vpa-v1-crd-gen.yaml"
if [[ -z "${moddir}" || ! -s "${src}" ]]; then
  log "go mod download ${MODULE}@${VPA_VERSION} gave no deploy/vpa-v1-crd-gen.yaml (module dir: '${moddir}')"
  exit 1
fi
cp "${src}" "${FILE}.tmp-$$"
chmod 0644 "${FILE}.tmp-$$"
mv -f "${FILE}.tmp-$$" "${FILE}"
echo "${MODULE} ${VPA_VERSION}" >"${DIR}/version.txt"
log "VPA CRDs of ${MODULE}@${VPA_VERSION} cached at ${FILE}"
