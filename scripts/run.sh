#!/usr/bin/env bash
# `make run`: migrate, seed demo data on an empty database, start Redis (unless REDIS_URL is set),
# one rq worker per core, rq's cron scheduler (the periodic sweep) and gunicorn on 127.0.0.1:8000;
# Ctrl-C stops them all.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
. scripts/lib.sh

PY=.venv/bin/python
mkdir -p var
export VEIL_DEV="${VEIL_DEV:-1}"   # plain-HTTP cookies on localhost; DEBUG stays off
. scripts/dev-keys.sh
dev_keys_export   # VEIL_KEY_DIR and SECRET_KEY_FILE in ~/.config/veil/keys, apart from var/

pids=()
redis_dir=""
redis_port=""
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$redis_dir" ]; then stop_redis "$redis_dir" "$redis_port"; fi
  echo "Veil stopped."
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${REDIS_URL:-}" ]; then
  redis_port=6379
  if redis-cli -p 6379 ping >/dev/null 2>&1 || ! python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",6379))' 2>/dev/null; then
    redis_port=$(free_port)
  fi
  redis_dir="$PWD/var/redis"
  start_redis "$redis_dir" "$redis_port"
  export REDIS_URL="redis://127.0.0.1:$redis_port/0"
  echo "Started redis-server on 127.0.0.1:$redis_port"
fi

$PY manage.py migrate --no-input -v 0
$PY manage.py collectstatic --no-input -v 0
$PY manage.py seed_demo

# One rq worker per core (VEIL_RQ_WORKERS); the first also runs rq's scheduler of delayed jobs.
cores=$(nproc 2>/dev/null || echo 2)
rq_workers=${VEIL_RQ_WORKERS:-$cores}
for i in $(seq 1 "$rq_workers"); do
  scheduler=(); [ "$i" = 1 ] && scheduler=(--with-scheduler)
  $PY manage.py rqworker default detection export "${scheduler[@]}" --worker-class anonymizer.detection.worker.VeilWorker &
  pids+=($!)
done
# The sweep (`manage.py sweep`) every VEIL_SWEEP_SECONDS, queued by rq's cron scheduler.
$PY manage.py rqcron anonymizer.detection.cron &
pids+=($!)
# gunicorn (deploy/gunicorn.conf.py: VEIL_WEB_WORKERS processes, default one per core,
# VEIL_WEB_THREADS threads each, on VEIL_BIND, default 127.0.0.1:8000); static files are served
# by WhiteNoise from var/staticfiles. Its processes share their Prometheus metrics through
# PROMETHEUS_MULTIPROC_DIR (emptied at start), for the web only: rq workers' figures are read
# from the database and Redis at scrape time (docs/deploy.md, "Metrics").
PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-$PWD/var/prometheus}" \
  .venv/bin/gunicorn config.wsgi:application --config deploy/gunicorn.conf.py &
pids+=($!)
echo "Veil is running on http://127.0.0.1:8000/  (Ctrl-C stops the server, the worker, the sweep and Redis)"
wait -n "${pids[@]}"
