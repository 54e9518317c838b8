"""The checks behind /healthz: each a small function returning a Check, each bounded in time
(VEIL_HEALTH_TIMEOUT_SECONDS: the Redis socket timeouts, PostgreSQL's statement_timeout; the
database connect timeout is VEIL_DB_CONNECT_TIMEOUT), so that a probe never hangs.

What a check reports is split in two: `public`, safe for anyone (load balancers call /healthz
without credentials): ok flags, the database vendor, counts; and `detail`, only for a caller
config.metrics.may_read_metrics trusts: worker names, queue depths, unapplied migration names,
error classes, timings. Neither ever holds a host name, an address, a password, a DSN, an
exception's message or record data.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import redis
from django.conf import settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from redis.backoff import NoBackoff
from redis.retry import Retry

from anonymizer import queues

log = logging.getLogger(__name__)


@dataclass
class Check:
    ok: bool
    public: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)


def _failed(name: str, exc: Exception) -> Check:
    """A check that raised: the error's class only (its message may name a host)."""
    log.warning("health: %s check failed (%s)", name, type(exc).__name__)
    return Check(ok=False, detail={"error": type(exc).__name__})


@contextmanager
def _bounded_database() -> Iterator[Any]:
    """A cursor in a transaction whose statements PostgreSQL stops after the health timeout."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ms = max(1, int(settings.VEIL_HEALTH_TIMEOUT_SECONDS * 1000))
            cursor.execute(f"SET LOCAL statement_timeout = {ms}")
        yield cursor


def check_database() -> Check:
    try:
        with _bounded_database() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means not healthy; never its message
        return _failed("database", exc)
    return Check(ok=True, public={"vendor": connection.vendor})


def check_migrations() -> Check:
    """Every migration on disk is applied (an older process, or a deploy that skipped
    `migrate`, would otherwise serve against a schema it does not know)."""
    try:
        with _bounded_database():
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # any failure means not healthy; never its message
        return _failed("migrations", exc)
    unapplied = [f"{m.app_label}.{m.name}" for m, backwards in plan if not backwards]
    return Check(
        ok=not plan, public={"unapplied": len(unapplied)}, detail={"unapplied_names": unapplied}
    )


def _redis_urls() -> list[str]:
    """The distinct Redis URLs of Veil's rq queues."""
    found = [settings.RQ_QUEUES[name]["URL"] for name in queues.QUEUE_NAMES]
    return list(dict.fromkeys(found))


def bounded_redis(url: str) -> redis.Redis:
    """A client that gives up after the health timeout, without retrying (a context manager:
    closed on leaving the `with`)."""
    timeout = settings.VEIL_HEALTH_TIMEOUT_SECONDS
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, retry=Retry(NoBackoff(), 0)
    )


def check_redis() -> Check:
    try:
        for url in _redis_urls():
            with bounded_redis(url) as client:
                client.ping()
    except Exception as exc:  # any failure means not healthy; never its message
        return _failed("redis", exc)
    return Check(ok=True)


def check_workers() -> Check:
    """At least VEIL_HEALTH_MIN_WORKERS rq workers beat recently. Their names (host and pid)
    are detail; the count is public."""
    try:
        with bounded_redis(settings.REDIS_URL) as client:
            alive = queues.workers_alive(client)
    except Exception as exc:  # any failure means not healthy; never its message
        return _failed("workers", exc)
    return Check(
        ok=len(alive) >= settings.VEIL_HEALTH_MIN_WORKERS,
        public={"alive": len(alive), "required": settings.VEIL_HEALTH_MIN_WORKERS},
        detail={"names": [w["name"] for w in alive]},
    )


def check_queues() -> Check:
    """Redis answers for every queue; the depths (a measure of volume) are detail."""
    try:
        with bounded_redis(settings.REDIS_URL) as client:
            depths = queues.queue_depths(client)
    except Exception as exc:  # any failure means not healthy; never its message
        return _failed("queues", exc)
    return Check(ok=True, detail={"depth": depths})


# name -> check, in the order they run; "web" is what a load balancer needs of one web process
# (it serves pages and queues work), "all" adds the rq workers and the queues.
CHECKS: dict[str, Callable[[], Check]] = {
    "database": check_database,
    "migrations": check_migrations,
    "redis": check_redis,
    "workers": check_workers,
    "queues": check_queues,
}
SCOPES = {"web": ("database", "migrations", "redis"), "all": tuple(CHECKS)}
# Checks that only ask Redis: skipped, as failed, when Redis did not answer its ping (their
# clients are rq's, which retry), so that an unreachable Redis costs one timeout, not three.
NEEDS_REDIS = ("workers", "queues")


def health_report(scope: str = "all", *, detailed: bool = False) -> tuple[bool, dict[str, Any]]:
    """(every check passed, the report): {"ok": ..., "checks": {name: {"ok": ..., ...}}}."""
    checks: dict[str, dict[str, Any]] = {}
    for name in SCOPES[scope]:
        started = time.monotonic()
        if name in NEEDS_REDIS and not checks.get("redis", {}).get("ok", True):
            result = Check(ok=False, detail={"error": "redis unreachable"})
        else:
            result = CHECKS[name]()
        checks[name] = {"ok": result.ok, **result.public}
        if detailed:
            ms = round((time.monotonic() - started) * 1000, 1)
            checks[name].update({**result.detail, "ms": ms})
    ok = all(c["ok"] for c in checks.values())
    return ok, {"ok": ok, "scope": scope, "checks": checks}
