"""gunicorn's settings for Veil, used by scripts/run.sh, the Procfile and veil-web.service:
`gunicorn config.wsgi:application --config deploy/gunicorn.conf.py`.

Environment: VEIL_BIND (default 127.0.0.1:8000; a TLS proxy in front, deploy/nginx/veil.conf),
VEIL_WEB_WORKERS (processes, default one per core), VEIL_WEB_THREADS (per process, default 4),
PROMETHEUS_MULTIPROC_DIR (metrics summed over the processes; see docs/deploy.md).
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

bind = os.environ.get("VEIL_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("VEIL_WEB_WORKERS") or multiprocessing.cpu_count())
worker_class = "gthread"
threads = int(os.environ.get("VEIL_WEB_THREADS") or 4)
timeout = 120  # an upload of VEIL_MAX_UPLOAD_BYTES is parsed within the request
graceful_timeout = 20
accesslog = "-"  # method, path and status; never bodies (record text travels in bodies only)


def on_starting(server: Any) -> None:
    """Start the metrics afresh: files left by an earlier run's processes would be summed in
    (prometheus_client's multiprocess mode; only its *.db files are removed)."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        for stale in Path(directory).glob("*.db"):
            stale.unlink()


def child_exit(server: Any, worker: Any) -> None:
    """A web process ended: its live gauges leave the sum (its counters stay counted)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess  # only under multiprocess mode

        multiprocess.mark_process_dead(worker.pid)
