"""Real rq worker processes for integration tests, pointed at the test database."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def start_worker(
    extra_env: dict[str, str] | None = None, burst: bool = False
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "VEIL_DEV": "1",
        **(extra_env or {}),
    }
    args = [
        sys.executable,
        "manage.py",
        "rqworker",
        "detection",
        "--worker-class",
        "anonymizer.detection.worker.VeilWorker",
    ]
    if burst:
        args.append("--burst")
    return subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # own process group: a kill takes the work horse too
    )


def _descendants(pid: int) -> list[int]:
    """Child processes, recursively: rq's work horse runs in a session of its own."""
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    children = [int(p) for p in found.split()]
    return children + [d for c in children for d in _descendants(c)]


def stop_worker(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        if sig == signal.SIGKILL:  # a crash: the work horse dies mid-job as well
            for child in _descendants(proc.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def workers() -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def start(**kw: Any) -> subprocess.Popen[bytes]:
        proc = start_worker(**kw)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        stop_worker(proc)


def wait_for(predicate: Callable[[], bool], timeout: float = 120, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
