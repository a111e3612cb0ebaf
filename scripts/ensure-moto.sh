#!/usr/bin/env bash
# Provision the AWS API emulator (moto, server mode) used by the adapter and
# integration tests, in a project-local venv `.venv-moto/` (gitignored).
#
# Idempotent and fast when already provisioned: a stamp file records the pinned
# version; when it matches and `moto_server` exists, nothing is done.
#
# Usage: scripts/ensure-moto.sh        prints the path of moto_server on stdout
# Exit codes: 0 ready, 1 cannot provision (the reason is on stderr).
set -euo pipefail

MOTO_VERSION="5.2.5"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MOTO_VENV:-$ROOT/.venv-moto}"
STAMP="$VENV/.moto-stamp"
WANT="moto[server]==$MOTO_VERSION"

log() { echo "ensure-moto: $*" >&2; }

if [[ -x "$VENV/bin/moto_server" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
  echo "$VENV/bin/moto_server"
  exit 0
fi

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  log "cannot provision moto: '$PYTHON' is not on PATH (install python3 >= 3.9)"
  exit 1
fi

# A concurrent test file may be provisioning at the same moment: serialise on a lock.
mkdir -p "$(dirname "$VENV")"
# The lock lives outside the venv (which is recreated) and outside the tree (not a tracked file).
LOCK="${TMPDIR:-/tmp}/ensure-moto-$(printf '%s' "$VENV" | cksum | cut -d' ' -f1).lock"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$LOCK"
  flock -w 600 9 || { log "timed out waiting for another provisioning run ($LOCK)"; exit 1; }
else
  # No flock (macOS): mkdir is atomic; a lock older than 15 minutes is a dead run's.
  waited=0
  until mkdir "$LOCK.d" 2>/dev/null; do
    if [[ -n "$(find "$LOCK.d" -maxdepth 0 -mmin +15 2>/dev/null)" ]]; then
      rmdir "$LOCK.d" 2>/dev/null || true
      continue
    fi
    sleep 1
    waited=$((waited + 1))
    if ((waited > 600)); then
      log "timed out waiting for another provisioning run ($LOCK.d)"
      exit 1
    fi
  done
  trap 'rmdir "$LOCK.d" 2>/dev/null || true' EXIT
fi
# Re-check under the lock: the other run may have finished it.
if [[ -x "$VENV/bin/moto_server" && -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then
  echo "$VENV/bin/moto_server"
  exit 0
fi

log "provisioning $WANT into $VENV (one-off, about a minute)"
rm -rf "$VENV"
if "$PYTHON" -m venv "$VENV" >/dev/null 2>&1; then
  :
elif "$PYTHON" -m venv --without-pip "$VENV" >/dev/null 2>&1; then
  # Debian/Ubuntu ship venv without ensurepip unless python3-venv is installed.
  log "python3 -m venv failed (ensurepip missing? apt-get install python3-venv); created the venv without pip and bootstrapping pip from the system pip"
  if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
    log "cannot provision moto: neither ensurepip nor a system pip is available (apt-get install python3-venv python3-pip)"
    exit 1
  fi
  "$PYTHON" -m pip install --quiet --target "$VENV/lib/bootstrap-pip" pip >&2
  PYTHONPATH="$VENV/lib/bootstrap-pip" "$VENV/bin/python" -m pip install --quiet pip >&2
else
  log "cannot provision moto: '$PYTHON -m venv' is unavailable (apt-get install python3-venv)"
  exit 1
fi

if ! "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$WANT" >&2; then
  log "cannot provision moto: pip install '$WANT' failed (is PyPI reachable?)"
  exit 1
fi
if [[ ! -x "$VENV/bin/moto_server" ]]; then
  log "cannot provision moto: $VENV/bin/moto_server missing after install"
  exit 1
fi
echo "$WANT" >"$STAMP"
log "ready: $VENV/bin/moto_server"
echo "$VENV/bin/moto_server"
