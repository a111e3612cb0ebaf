#!/usr/bin/env bash
# Provide a local Kubernetes control plane's binaries to the tests:
#
# 1. kube-apiserver, kube-controller-manager, kube-scheduler and kwok: unpacked once from
#    ../shared/tools/k8s-v1.33.13-kwok-v0.8.0-linux-amd64.tar.xz (or K8S_ARCHIVE) into
#    .cache/k8s/ (gitignored), unless kube-apiserver is already on PATH.
# 2. etcd: on PATH, else Debian's etcd-server installed with apt-get.
# 3. The Gateway API CRDs: the Go module sigs.k8s.io/gateway-api@v1.3.0 through the Go module
#    proxy (`go mod download -json`), its config/crd/standard/ folder.
# 4. The AWS Load Balancer Controller's CRDs (TargetGroupBinding): the Go module
#    sigs.k8s.io/aws-load-balancer-controller the same way, its config/crd/bases/ folder. Pinned
#    to a pseudo-version (commit 93ff3b5fdaad, v3.2.2 plus 7 commits, April 2026): the module's
#    v2/v3 tags are not module versions (its go.mod has no /v2 or /v3 suffix), the proxy serves
#    it only as this pseudo-version, and v1.1.9, its one tagged version, predates the CRD.
#
# Usage: scripts/ensure-k8s.sh   prints `KEY=VALUE` lines on stdout:
#          K8S_BIN_DIR=<dir with kube-apiserver...>  ETCD_BIN=<etcd>  GATEWAY_CRD_DIR=<dir>
#          KWOK_STAGES_DIR=<dir>  ALB_CRD_DIR=<dir>
# Exit codes: 0 ready, 1 cannot provide it (the reason is on stderr).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${COHORT_K8S_CACHE:-$ROOT/.cache/k8s}"
TOOLS="${SHARED_TOOLS:-$ROOT/../shared/tools}"
ARCHIVE="${K8S_ARCHIVE:-$TOOLS/k8s-v1.33.13-kwok-v0.8.0-linux-amd64.tar.xz}"
GATEWAY_API="sigs.k8s.io/gateway-api@v1.3.0"
ALB_CONTROLLER="sigs.k8s.io/aws-load-balancer-controller@v0.0.0-20260423195125-93ff3b5fdaad"

log() { echo "ensure-k8s: $*" >&2; }

mkdir -p "$CACHE"
LOCK="${TMPDIR:-/tmp}/ensure-k8s-$(printf '%s' "$CACHE" | cksum | cut -d' ' -f1).lock"
exec 9>"$LOCK"
flock -w 600 9 || { log "timed out waiting for another provisioning run ($LOCK)"; exit 1; }

if command -v kube-apiserver >/dev/null 2>&1 && command -v kwok >/dev/null 2>&1; then
  BIN_DIR="$(dirname "$(command -v kube-apiserver)")"
  STAGES="${KWOK_STAGES_DIR:-}"
else
  UNPACKED="$CACHE/$(basename "$ARCHIVE" .tar.xz)"
  if [[ ! -x "$UNPACKED/kube-apiserver" ]]; then
    [[ -f "$ARCHIVE" ]] || { log "no kube-apiserver on PATH and no archive at $ARCHIVE"; exit 1; }
    log "unpacking $(basename "$ARCHIVE") into $UNPACKED"
    rm -rf "$UNPACKED.tmp" && mkdir -p "$UNPACKED.tmp"
    tar -xJf "$ARCHIVE" -C "$UNPACKED.tmp"
    # The archive may hold one top-level folder: flatten it.
    inner="$(find "$UNPACKED.tmp" -name kube-apiserver -type f -printf '%h\n' | head -1)"
    [[ -n "$inner" ]] || { log "the archive holds no kube-apiserver"; exit 1; }
    rm -rf "$UNPACKED" && mv "$inner" "$UNPACKED" && rm -rf "$UNPACKED.tmp"
  fi
  BIN_DIR="$UNPACKED"
  STAGES="$UNPACKED/kwok-stages"
fi

if ! command -v etcd >/dev/null 2>&1; then
  log "installing Debian's etcd-server"
  apt_get=(apt-get)
  [[ "$(id -u)" == 0 ]] || apt_get=(sudo -n apt-get)
  "${apt_get[@]}" install -y etcd-server >&2 || {
    "${apt_get[@]}" update >&2 && "${apt_get[@]}" install -y etcd-server >&2
  } || { log "cannot install etcd-server: install etcd 3.4+ on PATH"; exit 1; }
fi

command -v go >/dev/null 2>&1 || { log "no go on PATH: it fetches the Gateway API CRDs ($GATEWAY_API)"; exit 1; }
# The module's folder in the Go module cache (downloaded once, then read from the cache).
module_dir() {
  (cd "$CACHE" && go mod download -json "$1" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})')
}
DIR="$(module_dir "$GATEWAY_API")" \
  || { log "cannot download $GATEWAY_API through the Go module proxy"; exit 1; }
ALB_DIR="$(module_dir "$ALB_CONTROLLER")" \
  || { log "cannot download $ALB_CONTROLLER through the Go module proxy"; exit 1; }

echo "K8S_BIN_DIR=$BIN_DIR"
echo "ETCD_BIN=$(command -v etcd)"
echo "GATEWAY_CRD_DIR=$DIR/config/crd/standard"
echo "KWOK_STAGES_DIR=$STAGES"
echo "ALB_CRD_DIR=$ALB_DIR/config/crd/bases"
