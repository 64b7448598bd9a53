#!/usr/bin/env bash
# Builds a real Kubernetes control plane for the tests from Go modules (no release downloads), once per version,
# into ${XDG_CACHE_HOME:-~/.cache}/mora/kube-<kubernetes version>/bin/:
#   - kube-apiserver      from k8s.io/kubernetes (a throwaway build module that requires it and replaces every
#                         staging module k8s.io/kubernetes maps to ./staging/... with its published v0.X.Y);
#   - kine                github.com/k3s-io/kine: the etcd API over SQLite, the API server's storage;
#   - kube-state-metrics  k8s.io/kube-state-metrics/v2, pointed at that API server.
# Each binary is written atomically (built in a temp dir, then renamed); a piece that fails to build leaves
# <piece>.failed (the command's output) next to the binaries, the others are still built, and the script exits 0 with a
# warning: the tests then say which binary is missing and why. MORA_KUBE_RETRY=1 retries failed pieces.
# When every piece is present (or recorded as failed) it only checks and returns.
#
# Usage: bash scripts/install-control-plane.sh [--print-dir]
# Go's own settings apply (GOFLAGS=-p=1 for a gentler build on a shared machine, GOPROXY, GOMODCACHE, GOCACHE).
set -euo pipefail

KUBE_VERSION="${MORA_KUBE_VERSION:-v1.37.2}"
KINE_VERSION="${MORA_KINE_VERSION:-v0.17.5}"
KSM_VERSION="${MORA_KSM_VERSION:-v2.15.0}"
CACHE_ROOT="${XDG_CACHE_HOME:-${HOME}/.cache}/mora"
KUBE_DIR="${CACHE_ROOT}/kube-${KUBE_VERSION}"
BIN="${KUBE_DIR}/bin"

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "${KUBE_DIR}"
  exit 0
fi

log() { echo "[install-control-plane] $*" >&2; }

# piece -> the version its stamp must carry
declare -A WANT=([kube-apiserver]="${KUBE_VERSION}" [kine]="${KINE_VERSION}" [kube-state-metrics]="${KSM_VERSION}")
PIECES=(kube-apiserver kine kube-state-metrics)

# Present: the binary and its version stamp. Settled: present, or recorded as failed for this version by this very
# script (not retried unless asked: a failed build takes minutes to fail again; a changed script tries again).
SCRIPT_SUM="$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"
present() { [[ -x "${BIN}/$1" && -f "${BIN}/$1.version" ]] && grep -qx "${WANT[$1]}" "${BIN}/$1.version"; }
settled() {
  present "$1" && return 0
  [[ "${MORA_KUBE_RETRY:-0}" != 1 && -f "${KUBE_DIR}/$1.failed" ]] && head -1 "${KUBE_DIR}/$1.failed" | grep -qx "${WANT[$1]} ${SCRIPT_SUM}"
}

all_settled() {
  local p
  for p in "${PIECES[@]}"; do settled "$p" || return 1; done
}

warn_failed() {
  local p
  for p in "${PIECES[@]}"; do
    if ! present "$p" && [[ -f "${KUBE_DIR}/$p.failed" ]]; then
      log "WARNING: $p ${WANT[$p]} could not be built here; tests that need it say so. Its error: ${KUBE_DIR}/$p.failed"
    fi
  done
}

# Fast path: nothing to build.
if all_settled; then
  warn_failed
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed: the control plane for the tests (kube-apiserver, kine, kube-state-metrics) is built from Go modules."
  log "Install Go (1.26 or newer), then re-run: bash scripts/install-control-plane.sh"
  exit 1
fi

mkdir -p "${BIN}"
# One build at a time per cache (two test runs started together would race).
exec 8>"${CACHE_ROOT}/.kube.lock"
flock 8
all_settled && { warn_failed; exit 0; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mora-kube-build-XXXXXX")"
trap 'rm -rf "${WORK}"' EXIT
trap 'exit 130' INT TERM
started_all=$SECONDS
log "building the Kubernetes control plane for the tests into ${KUBE_DIR} (once per version; the first time downloads several hundred MB of Go modules and compiles for many minutes)"

# $1 piece, $2 function that builds "${WORK}/out/$1"; installs it atomically or records the failure.
build_piece() {
  local piece=$1 fn=$2 started=$SECONDS rc
  present "$piece" && return 0
  settled "$piece" && return 0
  mkdir -p "${WORK}/out"
  log "building ${piece} ${WANT[$piece]} ..."
  set +e
  ( set -euo pipefail; "$fn" ) >"${WORK}/${piece}.log" 2>&1
  rc=$?
  set -e
  if [[ $rc != 0 || ! -x "${WORK}/out/${piece}" ]]; then
    { echo "${WANT[$piece]} ${SCRIPT_SUM}"; echo "exit ${rc} after $((SECONDS - started)) s on $(go version)"; tail -n 60 "${WORK}/${piece}.log"; } >"${KUBE_DIR}/${piece}.failed"
    log "FAILED: ${piece} ${WANT[$piece]} (exit ${rc}); last lines:"
    tail -n 15 "${WORK}/${piece}.log" | sed 's/^/    /' >&2
    return 0
  fi
  rm -f "${KUBE_DIR}/${piece}.failed"
  # Same filesystem: mv is a rename, so a reader sees the old binary or the whole new one.
  cp "${WORK}/out/${piece}" "${BIN}/.${piece}.tmp-$$"
  mv -f "${BIN}/.${piece}.tmp-$$" "${BIN}/${piece}"
  echo "${WANT[$piece]}" >"${BIN}/.${piece}.version.tmp-$$"
  mv -f "${BIN}/.${piece}.version.tmp-$$" "${BIN}/${piece}.version"
  log "${piece} ${WANT[$piece]} built in $((SECONDS - started)) s ($(du -h "${BIN}/${piece}" | cut -f1))"
}

build_kube_apiserver() {
  local mod="${WORK}/kube" gomod staging v="${KUBE_VERSION}"
  local minor="${v#v1.}"; minor="${minor%%.*}"
  mkdir -p "${mod}"
  cd "${mod}"
  # k8s.io/kubernetes' go.mod requires its staging modules at v0.0.0 and maps them to ./staging/...; a module that
  # depends on it must map each to the published v0.X.Y itself (replace directives of dependencies are ignored).
  gomod="$(go mod download -json "k8s.io/kubernetes@${v}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
  [[ -f "${gomod}" ]] || { echo "go mod download k8s.io/kubernetes@${v} gave no go.mod"; exit 1; }
  grep -m1 '^go ' "${gomod}"
  # Staging modules: replaced with ./staging/... and required at v0.0.0 (the sample-* ones are only replaced).
  staging="$(awk '/^replace \(/{r=1;next} r&&/^\)/{r=0} r&&/=> \.\/staging\//{print $1}' "${gomod}" | sort)"
  staging="$(comm -12 <(echo "${staging}") <(awk '/^[[:space:]]+k8s\.io\/[^ ]+ v0\.0\.0$/{print $1}' "${gomod}" | sort))"
  [[ -n "${staging}" ]] || { echo "no staging modules found in ${gomod}"; exit 1; }
  go mod init mora-kube-build
  go mod edit -require="k8s.io/kubernetes@${v}"
  local m
  for m in ${staging}; do go mod edit -replace="${m}=${m}@v0.${v#v1.}"; done
  echo "replaced $(echo "${staging}" | wc -l) staging modules with v0.${v#v1.}"
  go get "k8s.io/kubernetes/cmd/kube-apiserver@${v}"
  # What hack/lib/version.sh stamps, so /version answers like a release build.
  local ldflags="-s -w"
  local pkg
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X ${pkg}.gitVersion=${v} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor} -X ${pkg}.gitTreeState=clean"
    ldflags+=" -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
  done
  CGO_ENABLED=0 go build -trimpath -ldflags "${ldflags}" -o "${WORK}/out/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver
  "${WORK}/out/kube-apiserver" --version
}

build_kine() {
  # kine's own scripts/build: cgo SQLite (mattn/go-sqlite3) with its tags, less `nats` (an embedded NATS server
  # the tests do not use, and a long compile).
  mkdir -p "${WORK}/kine-bin"
  # Without a C compiler: kine's pure-Go SQLite (modernc.org/sqlite), slower to compile.
  local cgo=1
  command -v "${CC:-gcc}" >/dev/null 2>&1 || { cgo=0; echo "no C compiler: building kine with CGO_ENABLED=0"; }
  CGO_ENABLED=${cgo} GOBIN="${WORK}/kine-bin" go install -trimpath \
    -tags sqlite_unlock_notify,sqlite_vtable,sqlite_stat4,sqlite_preupdate_hook,sqlite_math_functions,sqlite_dbstat,sqlite_column_metadata \
    -ldflags "-s -w -X github.com/k3s-io/kine/pkg/version.Version=${KINE_VERSION}" "github.com/k3s-io/kine@${KINE_VERSION}"
  mv "${WORK}/kine-bin/kine" "${WORK}/out/kine"
  "${WORK}/out/kine" --version
}

build_kube_state_metrics() {
  # Not `go install …@version`: that also reads the module's version list (for deprecation notices), which the module
  # proxy refuses for this module. A throwaway module that requires the exact version and lists it as a tool works.
  local mod="${WORK}/ksm"
  mkdir -p "${mod}"
  cd "${mod}"
  go mod init mora-ksm-build
  go mod edit -require="k8s.io/kube-state-metrics/v2@${KSM_VERSION}" -tool=k8s.io/kube-state-metrics/v2
  go mod tidy
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X github.com/prometheus/common/version.Version=${KSM_VERSION#v}" \
    -o "${WORK}/out/kube-state-metrics" k8s.io/kube-state-metrics/v2
  "${WORK}/out/kube-state-metrics" version
}

build_piece kine build_kine
build_piece kube-state-metrics build_kube_state_metrics
build_piece kube-apiserver build_kube_apiserver

{
  echo "kubernetes ${KUBE_VERSION}"; echo "kine ${KINE_VERSION}"; echo "kube-state-metrics ${KSM_VERSION}"; go version
} >"${KUBE_DIR}/versions.txt"
log "control plane: $(cd "${BIN}" && ls -1 | grep -v '\.version$' | tr '\n' ' ')($(du -sh "${BIN}" | cut -f1)) in $((SECONDS - started_all)) s"
warn_failed
