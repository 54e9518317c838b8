"""The Procfile's commands, run as they are written (gunicorn with deploy/gunicorn.conf.py and
the multiprocess metrics directory, an rq worker) against the test database and Redis."""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings

from tests import workers as test_workers
from tests.ops.conftest import samples
from tests.workers import ROOT, stop_worker, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    entries = [line.split(":", 1) for line in lines if line.strip() and not line.startswith("#")]
    return {name.strip(): command.strip() for name, command in entries}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def run(transactional_db: Any) -> Iterator[Callable[[str, dict[str, str]], Any]]:
    """Start a Procfile entry through a shell, with the venv first on PATH as the docs say."""
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str, extra: dict[str, str]) -> subprocess.Popen[bytes]:
        env = {
            **os.environ,
            "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
            "DATABASE_URL": test_workers.test_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            **extra,
        }
        proc = subprocess.Popen(
            ["bash", "-c", procfile()[name]],  # as honcho runs it: through a shell
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        stop_worker(proc, signal.SIGTERM)


def test_the_procfile_names_the_processes_of_run_sh() -> None:
    entries = procfile()
    assert set(entries) == {"web", "worker", "scheduler"}
    assert "deploy/gunicorn.conf.py" in entries["web"]
    assert shlex.split(entries["worker"])[:3] == ["python", "manage.py", "rqworker"]
    assert "anonymizer.detection.cron" in entries["scheduler"]


def test_web_and_worker_start_and_report_healthy(run: Any, tmp_path: Path) -> None:
    port = free_port()
    metrics_dir = tmp_path / "prometheus"
    (metrics_dir).mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"")  # left by an earlier run
    run("web", {"VEIL_BIND": f"127.0.0.1:{port}", "VEIL_WEB_WORKERS": "2",
                "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
    run("worker", {})
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            return requests.get(f"{base}/healthz/", timeout=5).status_code == 200
        except requests.RequestException:  # not listening yet, or still loading the app
            return False

    wait_for(healthy, timeout=120, what="gunicorn and the worker to report healthy")
    report = requests.get(f"{base}/healthz/", timeout=5).json()
    assert report["checks"]["workers"]["alive"] >= 1
    assert not (metrics_dir / "counter_999999.db").exists(), "stale metrics were cleared"

    for _ in range(30):
        assert requests.get(f"{base}/healthz/?scope=web", timeout=5).status_code == 200
    # Every scrape, whichever process answers it, counts the requests of both processes.
    key = ("django_http_requests_total_by_view_transport_method_total",
           (("method", "GET"), ("transport", "http"), ("view", "healthz")))
    for _ in range(6):
        found = samples(requests.get(f"{base}/metrics", timeout=5).content)
        assert found[key] >= 31
    assert len({p.name for p in metrics_dir.glob("counter_*.db")}) == 2, "two web processes"
