#!/usr/bin/env bash
# A local AWS (CloudWatch, DynamoDB) for trying the rollout without an AWS
# account: moto in server mode, completed with what the rollout needs and
# plain moto lacks (scripts/local-aws.py says what and why). The test suites
# start their emulator through this same script.
#
# Usage: scripts/local-aws.sh [--port 5000] [--host 127.0.0.1]
#   Provisions moto on first use (scripts/ensure-moto.sh, a project-local
#   venv), prints the endpoint on stderr, and serves in the foreground until
#   Ctrl-C. Then, in another terminal:
#     export AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_REGION=us-east-1 \
#            AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
#     npx cohort-rollout plan --environment prod ...     (or pass --endpoint-url)
#   State lives in memory: it is gone when the server stops.
# Exit codes: 1 moto cannot be provisioned (the reason is on stderr), 2 usage.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT=5000
HOST=127.0.0.1
while (($# > 0)); do
  case "$1" in
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --host) HOST="${2:?--host needs an address}"; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "local-aws: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
if ! [[ "$PORT" =~ ^[0-9]+$ ]]; then
  echo "local-aws: --port: '$PORT' is not a port number" >&2
  exit 2
fi

MOTO_SERVER="$(bash "$ROOT/scripts/ensure-moto.sh")"
echo "local-aws: serving AWS (moto) on http://$HOST:$PORT (AWS_ENDPOINT_URL=http://$HOST:$PORT)" >&2
exec "$(dirname "$MOTO_SERVER")/python" "$ROOT/scripts/local-aws.py" -H "$HOST" -p "$PORT"
