#!/bin/sh
# ccqa's container entrypoint.
#   serve   wait for the index the one-shot build publishes, then run `ccqa serve` (the default)
#   build   `ccqa build --wait` into the shared index volume (the compose file's index-build service)
#   health  exit 0 when this container's /api/health answers 200 (the image's HEALTHCHECK)
#   other   run as given
set -eu

CCQA_BIN="${CCQA_BIN:-ccqa}"
CCQA_PYTHON="${CCQA_PYTHON:-python3}"
CCQA_HOST="${CCQA_HOST:-0.0.0.0}"
CCQA_PORT="${CCQA_PORT:-8000}"
CCQA_WORKERS="${CCQA_WORKERS:-2}"
CCQA_THREADS="${CCQA_THREADS:-4}"
CCQA_INDEX_DIR="${CCQA_INDEX_DIR:-index}"
CCQA_WAIT_FOR_INDEX_S="${CCQA_WAIT_FOR_INDEX_S:-600}"

command="${1:-serve}"
[ "$#" -gt 0 ] && shift

case "$command" in
serve)
    waited=0
    while [ ! -s "$CCQA_INDEX_DIR/CURRENT" ]; do
        if [ "$waited" -ge "$CCQA_WAIT_FOR_INDEX_S" ]; then
            echo "ccqa: no index in $CCQA_INDEX_DIR after ${CCQA_WAIT_FOR_INDEX_S}s: run the build service (ccqa build) first" >&2
            exit 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    exec "$CCQA_BIN" serve --host "$CCQA_HOST" --port "$CCQA_PORT" --workers "$CCQA_WORKERS" \
        --threads "$CCQA_THREADS" "$@"
    ;;
build)
    exec "$CCQA_BIN" build --wait "$@"
    ;;
health)
    exec "$CCQA_PYTHON" -c '
import sys, urllib.request
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/health", timeout=3) as answer:
        sys.exit(0 if answer.status == 200 else 1)
except OSError as error:
    print(f"ccqa: unhealthy: {error}", file=sys.stderr)
    sys.exit(1)
' "$CCQA_PORT"
    ;;
*)
    exec "$command" "$@"
    ;;
esac
