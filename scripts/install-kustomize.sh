#!/usr/bin/env bash
# The `kustomize` binary that renders deploy/ in the tests, built from the Go module sigs.k8s.io/kustomize/kustomize/v5
# through the Go module proxy (no release download, nothing of it copied into the repo), once per version, into
# ${XDG_CACHE_HOME:-~/.cache}/mora/kustomize-<version>/kustomize. Written atomically (built in a temp dir, then
# renamed). Idempotent: once built it only checks (offline-safe). Without Go, or when the build fails, it says so and
# exits 1; test/integration/deploy.test.ts then says that kustomize is missing and why.
#
# Usage: bash scripts/install-kustomize.sh [--print-bin]
# v5.8.2 is the newest release whose go.mod asks for no newer Go than 1.26 (v5.8.3 needs go 1.27).
set -euo pipefail

KUSTOMIZE_VERSION="${MORA_KUSTOMIZE_VERSION:-v5.8.2}"
MODULE="sigs.k8s.io/kustomize/kustomize/v5"
CACHE_ROOT="${XDG_CACHE_HOME:-${HOME}/.cache}/mora"
DIR="${CACHE_ROOT}/kustomize-${KUSTOMIZE_VERSION}"
BIN="${DIR}/kustomize"

if [[ "${1:-}" == "--print-bin" ]]; then
  echo "${BIN}"
  exit 0
fi

log() { echo "[install-kustomize] $*" >&2; }

[[ -x "${BIN}" ]] && exit 0

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed: kustomize for the tests is built from the Go module ${MODULE}@${KUSTOMIZE_VERSION}. Install Go, then re-run: bash scripts/install-kustomize.sh"
  exit 1
fi

mkdir -p "${DIR}"
# One build at a time per cache (two test runs started together would race).
exec 7>"${CACHE_ROOT}/.kustomize.lock"
flock 7
[[ -x "${BIN}" ]] && exit 0

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mora-kustomize-build-XXXXXX")"
trap 'rm -rf "${WORK}"' EXIT
started=$SECONDS
log "building kustomize ${KUSTOMIZE_VERSION} from ${MODULE} (once per version, a minute or two)"
# A throwaway module that requires the exact version and lists it as a tool (as install-control-plane.sh builds
# kube-state-metrics): `go install …@version` would also read the module's version list, which is not needed here.
set +e
(
  set -euo pipefail
  cd "${WORK}"
  go mod init mora-kustomize-build
  go mod edit -require="${MODULE}@${KUSTOMIZE_VERSION}" -tool="${MODULE}"
  go mod tidy
  CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "${WORK}/kustomize" "${MODULE}"
  "${WORK}/kustomize" version
) >"${WORK}/build.log" 2>&1
rc=$?
set -e
if [[ $rc != 0 || ! -x "${WORK}/kustomize" ]]; then
  log "FAILED to build kustomize ${KUSTOMIZE_VERSION} (exit ${rc}); last lines:"
  tail -n 15 "${WORK}/build.log" | sed 's/^/    /' >&2
  exit 1
fi
# Same filesystem: mv is a rename, so a reader sees no binary or the whole one.
cp "${WORK}/kustomize" "${DIR}/.kustomize.tmp-$$"
mv -f "${DIR}/.kustomize.tmp-$$" "${BIN}"
echo "${MODULE} ${KUSTOMIZE_VERSION}" >"${DIR}/version.txt"
log "kustomize ${KUSTOMIZE_VERSION} built in $((SECONDS - started)) s: ${BIN}"
