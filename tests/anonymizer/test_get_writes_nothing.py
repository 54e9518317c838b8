"""A GET writes nothing: every GET page of the site, as every role, runs no INSERT, UPDATE or
DELETE, including the batch page and its live panel while a run has a chunk whose worker died
(recovering it is the sweep's work, never a page view's)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from anonymizer.models import DetectionChunk, DetectionRun, Record
from anonymizer.rulesets.selectors import ruleset_active
from tests import test_urls
from tests.test_urls import EXPECTED, ROLES, Context

clients = test_urls.clients  # the fixture: a logged-in client per role

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE", "MERGE")
GET_PAGES = sorted(name for name, (method, _, _) in EXPECTED.items() if method == "get")


@contextmanager
def writes_recorded() -> Iterator[list[str]]:
    """Every statement that changes rows, as the database would run it."""
    found: list[str] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith(WRITES):
            found.append(" ".join(sql.split()[:3]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield found


def running_with_a_dead_worker(batch: Any) -> DetectionRun:
    """The batch's current run, running, its one chunk held by a worker whose lease ran out."""
    positions = list(Record.objects.filter(batch=batch).values_list("position", flat=True))
    run = DetectionRun.objects.create(
        batch=batch, ruleset=ruleset_active(), chunk_size=len(positions), chunk_count=1,
        record_count=len(positions),
    )
    DetectionChunk.objects.create(
        run=run, index=0, first_position=min(positions), last_position=max(positions),
        record_count=len(positions), status=DetectionChunk.Status.RUNNING, attempts=1,
        worker="gone:1:job", lease_expires_at=timezone.now() - timedelta(minutes=5),
    )
    type(batch).objects.filter(pk=batch.pk).update(current_run=run, status="detecting")
    return run


@pytest.fixture
def site(batch: Any, officer: Any, admin_user: Any, settings: Any, tmp_path: Any) -> Context:
    """The objects every GET page points at, built before anything is watched."""
    settings.VEIL_EXPORT_DIR = tmp_path
    context = Context(batch, officer, admin_user)
    for name in GET_PAGES:
        EXPECTED[name][1](context)
    return context


def get_writes(client: Client, urls: list[str]) -> dict[str, list[str]]:
    """The writes each GET ran, by URL (no page may fail, either)."""
    writes: dict[str, list[str]] = {}
    for url in urls:
        with writes_recorded() as found:
            assert client.get(url).status_code != 500, url
        if found:
            writes[url] = found
    return writes


def live_batch(admin_user: Any, reviewer: Any) -> Any:
    """A text batch (no structured columns) whose run has a chunk held by a dead worker."""
    from anonymizer.batches import services

    live = services.batch_import(
        actor=admin_user, data=b"Call Jane Roe on 020 7946 0000\nNothing here\n", name="Live",
        data_class="personal", purpose="theme_analysis", source_format="text_lines",
    )
    services.batch_assign_reviewers(actor=admin_user, batch=live, reviewers=[reviewer])
    running_with_a_dead_worker(live)
    live.refresh_from_db()
    return live


@pytest.mark.parametrize("role", ["reviewer", "officer", "admin"])
def test_the_live_panel_recovers_nothing(
    role: str, clients: dict[str, Client], reviewer: Any, admin_user: Any
) -> None:
    """The panel polled every 2 s by every viewer of a running batch only reads."""
    live = live_batch(admin_user, reviewer)
    urls = [reverse(name, args=[live.public_id]) for name in ("batch_progress", "batch_detail")]

    assert get_writes(clients[role], urls) == {}

    chunk = DetectionChunk.objects.get(run=live.current_run_id)
    assert chunk.status == DetectionChunk.Status.RUNNING and chunk.worker == "gone:1:job"


@pytest.mark.parametrize("role", ROLES)
def test_it_runs_no_write_on_any_get_page(
    role: str, site: Context, clients: dict[str, Client], reviewer: Any, admin_user: Any
) -> None:
    live = live_batch(admin_user, reviewer)
    urls = [EXPECTED[name][1](site) for name in GET_PAGES] + [
        reverse("batch_progress", args=[live.public_id]),
        reverse("batch_progress", args=[site.batch.public_id]),
        reverse("batch_detail", args=[live.public_id]),
    ]

    writes = get_writes(clients[role], urls)

    assert writes == {}, f"GET pages wrote as {role}: {writes}"
