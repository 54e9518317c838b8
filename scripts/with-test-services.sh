#!/usr/bin/env bash
# Run a command with a throwaway PostgreSQL cluster and Redis server on free loopback ports,
# in a temporary directory; stop both and remove the directory whatever the outcome.
# Exports DATABASE_URL and REDIS_URL to the command.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

tmp=$(mktemp -d /tmp/veil-test-XXXXXX)
chmod 755 "$tmp"
pg_port=$(free_port)
redis_port=$(free_port)

cleanup() {
  stop_postgres "$tmp/pg"
  stop_redis "$tmp/redis" "$redis_port"
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_postgres "$tmp/pg" "$pg_port"
start_redis "$tmp/redis" "$redis_port"

export DATABASE_URL="postgres://veil@127.0.0.1:$pg_port/veil"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
# The audit trail's checkpoints belong to this throwaway database: keep them beside it.
export VEIL_AUDIT_ANCHOR_DIR="$tmp/audit"
# ... and so do the development keys (vault, pseudonyms), never the user's own.
export VEIL_KEY_DIR="${VEIL_KEY_DIR:-$tmp/keys}"
set +e
"$@"
status=$?
set -e
exit $status
