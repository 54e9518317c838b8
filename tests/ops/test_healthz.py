"""/healthz against the real PostgreSQL and Redis of the run, with a real rq worker."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, override_settings

from anonymizer import queues
from audit.models import AuditEvent
from tests.ops.conftest import redis_at
from tests.workers import wait_for

pytestmark = pytest.mark.services


@pytest.mark.django_db(transaction=True)
def test_healthy_with_a_worker_running(workers: Any, remote: Client) -> None:
    workers()
    wait_for(lambda: len(queues.workers_alive()) >= 1, timeout=120, what="an rq worker")

    response = Client().get("/healthz/")  # from loopback: the detail too
    assert response.status_code == 200, response.content
    report = response.json()
    checks = report["checks"]
    assert report["ok"] is True and set(checks) == {
        "database", "migrations", "redis", "workers", "queues"
    }
    assert all(c["ok"] for c in checks.values())
    assert checks["database"]["vendor"] == connection.vendor == "postgresql"
    assert checks["migrations"]["unapplied"] == 0
    assert checks["workers"]["alive"] >= 1 and checks["workers"]["names"]
    assert set(checks["queues"]["depth"]) == {"default", "detection", "export"}

    public = remote.get("/healthz/")
    assert public.status_code == 200
    assert public.json()["checks"]["workers"]["alive"] >= 1
    assert_reveals_nothing(public.content, worker_names=checks["workers"]["names"])


def assert_reveals_nothing(body: bytes, *, worker_names: list[str]) -> None:
    """Flags and counts only: no host, address, port, DSN, worker name, depth or timing."""
    text = body.decode()
    db = connection.settings_dict
    for secret in (
        socket.gethostname(), db["HOST"], f":{db['PORT']}", settings.REDIS_URL, "redis://",
        "postgres://", *worker_names,
    ):
        assert secret not in text
    report = json.loads(text)
    for name, check in report["checks"].items():
        assert set(check) <= {"ok", "vendor", "unapplied", "alive", "required"}, name


@pytest.mark.django_db
def test_a_proxied_request_from_loopback_gets_no_detail() -> None:
    """nginx on the same machine connects from 127.0.0.1 and adds X-Forwarded-For."""
    report = Client(HTTP_X_FORWARDED_FOR="198.51.100.4").get("/healthz/?scope=web").json()
    assert report["ok"] is True
    assert "ms" not in report["checks"]["database"]
    assert "unapplied_names" not in report["checks"]["migrations"]


@pytest.mark.django_db
def test_too_few_workers_is_unhealthy_but_the_web_scope_is_not(settings: Any) -> None:
    settings.VEIL_HEALTH_MIN_WORKERS = 50
    response = Client().get("/healthz/")
    assert response.status_code == 503
    assert response.json()["checks"]["workers"] == {
        **response.json()["checks"]["workers"], "ok": False, "required": 50
    }
    assert response.json()["checks"]["redis"]["ok"] is True
    web = Client().get("/healthz/?scope=web")
    assert web.status_code == 200 and set(web.json()["checks"]) == {
        "database", "migrations", "redis"
    }


@pytest.mark.django_db
def test_an_unknown_scope_is_refused() -> None:
    assert Client().get("/healthz/?scope=everything").status_code == 400


@pytest.mark.django_db
def test_redis_refusing_connections_is_503_at_once(closed_port: int) -> None:
    with override_settings(**redis_at(f"redis://127.0.0.1:{closed_port}/0")):
        started = time.monotonic()
        response = Client().get("/healthz/")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"] == {"ok": False, "error": "ConnectionError", "ms": checks["redis"]["ms"]}
    assert checks["workers"]["ok"] is False and checks["queues"]["ok"] is False
    assert checks["database"]["ok"] is True and checks["migrations"]["ok"] is True
    assert elapsed < 2, f"{elapsed:.2f} s"
    assert str(closed_port) not in response.content.decode()


@pytest.mark.django_db
def test_a_hung_redis_costs_one_timeout_not_a_hang(silent_port: int, settings: Any) -> None:
    settings.VEIL_HEALTH_TIMEOUT_SECONDS = 1.0
    with override_settings(**redis_at(f"redis://127.0.0.1:{silent_port}/0")):
        started = time.monotonic()
        response = Client().get("/healthz/")
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["error"] == "TimeoutError"
    assert 0.9 < elapsed < 3, f"{elapsed:.2f} s"


@pytest.mark.django_db
def test_an_unapplied_migration_is_reported(remote: Client) -> None:
    """The newest migration of an app forgotten by the database (rolled back with the test)."""
    recorder = MigrationRecorder.Migration.objects
    newest = recorder.filter(app="review").order_by("-id").first()
    assert newest is not None
    recorder.filter(pk=newest.pk).delete()

    response = Client().get("/healthz/?scope=web")
    assert response.status_code == 503
    migrations = response.json()["checks"]["migrations"]
    assert migrations["ok"] is False and migrations["unapplied"] == 1
    assert migrations["unapplied_names"] == [f"review.{newest.name}"]
    public = remote.get("/healthz/?scope=web")
    assert public.status_code == 503
    assert public.json()["checks"]["migrations"] == {"ok": False, "unapplied": 1}


@pytest.mark.django_db
def test_healthz_needs_no_login_and_writes_nothing() -> None:
    before = AuditEvent.objects.count()
    response = Client().get("/healthz/?scope=web")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_without_the_slash_it_redirects_to_the_probe_not_to_the_login() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 301 and response["Location"] == "/healthz/"
