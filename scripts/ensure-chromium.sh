#!/usr/bin/env bash
# Provision the headless browser used by the rehearsal report's page test
# (test/rehearsal/report-page.test.ts): Debian's `chromium` package, driven by
# playwright-core with `executablePath`, so no browser download from a CDN.
#
# Idempotent: does nothing when the browser is already there.
#
# Usage: scripts/ensure-chromium.sh     prints the browser's path on stdout
# Env:   CHROMIUM_PATH  the browser to use (default /usr/bin/chromium)
# Exit codes: 0 ready, 1 cannot provision (the reason is on stderr).
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
log() { echo "ensure-chromium: $*" >&2; }

if [[ -x "$CHROMIUM" ]]; then
  echo "$CHROMIUM"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "$CHROMIUM is missing and apt-get is not available: install Chromium and set CHROMIUM_PATH"
  exit 1
fi
SUDO=""
if [[ "$(id -u)" != "0" ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    log "$CHROMIUM is missing and installing it needs root (no sudo here)"
    exit 1
  fi
fi

log "installing Debian's chromium package"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2 || log "apt-get update failed; trying the install with the current lists"
$SUDO apt-get install -y -qq --no-install-recommends chromium >&2

if [[ ! -x "$CHROMIUM" ]]; then
  log "chromium was installed but $CHROMIUM does not exist; set CHROMIUM_PATH"
  exit 1
fi
echo "$CHROMIUM"
