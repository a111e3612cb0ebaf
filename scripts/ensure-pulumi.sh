#!/usr/bin/env bash
# Provide the real Pulumi engine to the tests: the CLI, the Node.js language
# host, the dynamic-provider plugin and the Kubernetes provider plugin.
#
# 1. `pulumi` already on PATH (a user's own install): use it as it is.
# 2. Else unpack ../shared/tools/pulumi-v3.248.0-linux-amd64.tar.xz (or the
#    archive named by PULUMI_ARCHIVE) once into .cache/engines/ (gitignored).
#
# Either way, plugins are discovered locally: PULUMI_HOME is a folder of the
# project's cache, and the Kubernetes provider is installed there under the
# version @pulumi/kubernetes asks for, so the engine never tries a download.
#
# Usage: scripts/ensure-pulumi.sh        prints `KEY=VALUE` lines on stdout:
#          PULUMI_BIN_DIR=<dir holding pulumi>  PULUMI_HOME=<dir>
# Exit codes: 0 ready, 1 cannot provide it (the reason is on stderr).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="v3.248.0"
K8S_PLUGIN_VERSION="v$(node -p "require('$ROOT/node_modules/@pulumi/kubernetes/package.json').version" 2>/dev/null || echo 4.34.2)"
CACHE="${COHORT_ENGINE_CACHE:-$ROOT/.cache/engines}"
TOOLS="${SHARED_TOOLS:-$ROOT/../shared/tools}"
ARCHIVE="${PULUMI_ARCHIVE:-$TOOLS/pulumi-$VERSION-linux-amd64.tar.xz}"
UNPACKED="$CACHE/pulumi-$VERSION"
HOME_DIR="$CACHE/pulumi-home"

log() { echo "ensure-pulumi: $*" >&2; }

mkdir -p "$CACHE"
# Test files provision concurrently: serialise on a lock outside the tree.
LOCK="${TMPDIR:-/tmp}/ensure-pulumi-$(printf '%s' "$CACHE" | cksum | cut -d' ' -f1).lock"
exec 9>"$LOCK"
flock -w 600 9 || { log "timed out waiting for another provisioning run ($LOCK)"; exit 1; }

if command -v pulumi >/dev/null 2>&1 && [[ -z "${COHORT_FORCE_BUNDLED_PULUMI:-}" ]]; then
  BIN_DIR="$(dirname "$(command -v pulumi)")"
else
  if [[ ! -x "$UNPACKED/pulumi" ]]; then
    if [[ ! -f "$ARCHIVE" ]]; then
      log "no \`pulumi\` on PATH and no archive at $ARCHIVE: install the Pulumi CLI ($VERSION) or provide ../shared/tools"
      exit 1
    fi
    log "unpacking $(basename "$ARCHIVE") into $UNPACKED"
    rm -rf "$UNPACKED.tmp" && mkdir -p "$UNPACKED.tmp"
    tar -xJf "$ARCHIVE" -C "$UNPACKED.tmp"
    rm -rf "$UNPACKED" && mv "$UNPACKED.tmp" "$UNPACKED"
  fi
  BIN_DIR="$UNPACKED"
fi

mkdir -p "$HOME_DIR"
export PULUMI_HOME="$HOME_DIR" PULUMI_SKIP_UPDATE_CHECK=1 PATH="$BIN_DIR:$PATH"
PLUGIN_DIR="$HOME_DIR/plugins/resource-kubernetes-$K8S_PLUGIN_VERSION"
if [[ ! -x "$PLUGIN_DIR/pulumi-resource-kubernetes" ]]; then
  if [[ -x "$BIN_DIR/pulumi-resource-kubernetes" ]]; then
    log "installing the Kubernetes provider plugin as $K8S_PLUGIN_VERSION into $HOME_DIR"
    pulumi plugin install resource kubernetes "$K8S_PLUGIN_VERSION" \
      --file "$BIN_DIR/pulumi-resource-kubernetes" >&2
  else
    log "no pulumi-resource-kubernetes beside $BIN_DIR/pulumi: Kubernetes suites will need it installed"
  fi
fi

echo "PULUMI_BIN_DIR=$BIN_DIR"
echo "PULUMI_HOME=$HOME_DIR"
