#!/usr/bin/env bash
# Installs what MOrA's integration and VS Code tests need, idempotently:
#   - Debian packages: chromium (headless browser for the workbench), ripgrep (VS Code's search),
#     prometheus + promtool (real Prometheus in integration tests), prometheus-pushgateway (the in-cluster
#     recommender's metrics push, test/integration/deploy.test.ts), jmeter + jmeter-http and wrk (independent
#     load tools: JMeter cells, bench:experiment), and the toolchain code-server's native modules build with;
#   - code-server (a real VS Code 1.100 that runs offline), built from the npm registry alone and
#     cached outside the repo under ${XDG_CACHE_HOME:-~/.cache}/mora/code-server-<version>.
# When everything is present it only checks and returns (well under a second), so `npm test` calls it
# every time. Where it cannot install (not root, not Debian) it says what to run and exits 1.
#
# Usage: bash scripts/install-test-deps.sh [--print-code-server-dir]
set -euo pipefail

CODE_SERVER_VERSION="${MORA_CODE_SERVER_VERSION:-4.100.3}"
CACHE_ROOT="${XDG_CACHE_HOME:-${HOME}/.cache}/mora"
CS_DIR="${CACHE_ROOT}/code-server-${CODE_SERVER_VERSION}"
CS_MARK="${CS_DIR}/.mora-complete"

if [[ "${1:-}" == "--print-code-server-dir" ]]; then
  echo "${CS_DIR}"
  exit 0
fi

log() { echo "[install-test-deps] $*" >&2; }

# command -> Debian package that provides it
declare -A RUNTIME_PKGS=([chromium]=chromium [rg]=ripgrep [prometheus]=prometheus [promtool]=prometheus [jmeter]=jmeter [wrk]=wrk [prometheus-pushgateway]=prometheus-pushgateway)
# Only needed to build code-server's native modules (node-pty, argon2, kerberos, native-keymap, ...).
BUILD_PKGS=(build-essential pkg-config python3 libkrb5-dev libsecret-1-dev libx11-dev libxkbfile-dev)

missing_runtime_pkgs() {
  local cmd out=()
  for cmd in "${!RUNTIME_PKGS[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || out+=("${RUNTIME_PKGS[$cmd]}")
  done
  # Debian splits JMeter's HTTP sampler into its own package; without it no .jmx with HTTP requests loads.
  [[ -f /etc/debian_version && ! -f /usr/share/jmeter/lib/ext/ApacheJMeter_http.jar ]] && out+=(jmeter-http)
  printf '%s\n' "${out[@]}" | sort -u | grep -v '^$' || true
}

# A real Kubernetes control plane for the integration tests (kube-apiserver, kine, kube-state-metrics), built from Go
# modules once per version under ${CACHE_ROOT}/kube-<version>; only checks when cached.
bash "$(dirname "${BASH_SOURCE[0]}")/install-control-plane.sh"
# The VPA CRDs from the upstream Go module's files (cached; the in-cluster recommender's tests install them).
bash "$(dirname "${BASH_SOURCE[0]}")/install-vpa-crd.sh" || log "WARNING: the VPA CRD could not be fetched; test/integration/vpa-in-cluster.test.ts will say so"
# kustomize, built from its Go module (cached), renders deploy/ in test/integration/deploy.test.ts.
bash "$(dirname "${BASH_SOURCE[0]}")/install-kustomize.sh" || log "WARNING: kustomize could not be built; test/integration/deploy.test.ts will say so"

# Fast path: nothing to do.
if [[ -z "$(missing_runtime_pkgs)" && -f "${CS_MARK}" ]] && grep -qx "${CODE_SERVER_VERSION}" "${CS_MARK}"; then
  exit 0
fi

is_debian() { [[ -f /etc/debian_version ]] && command -v apt-get >/dev/null 2>&1; }
is_root() { [[ "$(id -u)" == "0" ]]; }

apt_updated=0
apt_install() {
  # $@: packages not yet installed
  [[ $# -eq 0 ]] && return 0
  if ! is_debian; then
    log "This is not a Debian-based system. Install these (or your distribution's equivalents) and re-run: $*"
    exit 1
  fi
  if ! is_root; then
    log "Missing Debian packages: $*"
    log "Run:  sudo apt-get update && sudo apt-get install -y $*   then re-run: npm test"
    exit 1
  fi
  if [[ "$apt_updated" == 0 ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

deb_missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

# 1. Runtime packages.
mapfile -t need < <(missing_runtime_pkgs)
apt_install "${need[@]}"

# 2. code-server, built once per version into the cache.
build_code_server() {
  mkdir -p "${CACHE_ROOT}"
  if is_debian; then
    mapfile -t need < <(deb_missing "${BUILD_PKGS[@]}")
    apt_install "${need[@]}"
  fi
  # Under the lock: leftovers of an interrupted build are nobody's.
  rm -rf "${CS_DIR}".tmp-*
  CS_TMP="${CS_DIR}.tmp-$$"
  local tmp="${CS_TMP}"
  mkdir -p "${tmp}"
  trap 'rm -rf "${CS_TMP}"' EXIT
  log "building code-server ${CODE_SERVER_VERSION} into ${CS_DIR} (a few minutes, once per version)"
  local started=$SECONDS rc
  # Not `( ... ) || handler`: errexit would be ignored inside the subshell.
  set +e
  (
    set -euo pipefail
    cd "${tmp}"
    echo '{ "name": "mora-code-server", "private": true }' >package.json
    export npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false npm_config_loglevel=error
    # Its install script would download things; do its steps by hand instead.
    npm install --ignore-scripts "code-server@${CODE_SERVER_VERSION}" >/dev/null
    # argon2's prebuilt binary comes from outside the registry: build it from source.
    npm rebuild argon2 >/dev/null
    cd node_modules/code-server/lib/vscode
    npm install --omit=dev --ignore-scripts >/dev/null
    # @vscode/ripgrep's postinstall downloads ripgrep; use Debian's instead.
    mkdir -p node_modules/@vscode/ripgrep/bin
    cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    # node-pty runs `npx node-gyp`, which wants a prompt unless told yes.
    npm_config_yes=true npm rebuild >/dev/null
    # What code-server's own postinstall.sh does.
    ln -sfn node_modules node_modules.asar
    (cd bin/remote-cli && ln -sfn code-linux.sh code-server)
    (cd bin/helpers && ln -sfn browser-linux.sh browser.sh)
    (cd extensions && npm install --omit=dev >/dev/null)
  )
  rc=$?
  set -e
  if [[ $rc != 0 ]]; then
    log "building code-server failed (exit ${rc}). It needs the npm registry, a C/C++ toolchain, python3, pkg-config and the"
    log "Kerberos, libsecret, X11 and xkbfile headers (Debian: ${BUILD_PKGS[*]}). Fix that and re-run: npm run setup:test"
    exit 1
  fi
  echo "${CODE_SERVER_VERSION}" >"${tmp}/.mora-complete"
  rm -rf "${CS_DIR}"
  mv "${tmp}" "${CS_DIR}"
  trap - EXIT
  log "code-server ready in $((SECONDS - started)) s: ${CS_DIR}/node_modules/.bin/code-server"
}

if [[ ! -f "${CS_MARK}" ]] || ! grep -qx "${CODE_SERVER_VERSION}" "${CS_MARK}"; then
  mkdir -p "${CACHE_ROOT}"
  # One build at a time per cache (two test runs started together would race).
  exec 9>"${CACHE_ROOT}/.lock"
  flock 9
  [[ -f "${CS_MARK}" ]] && grep -qx "${CODE_SERVER_VERSION}" "${CS_MARK}" || build_code_server
fi
log "test dependencies present"
