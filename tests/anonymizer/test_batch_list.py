"""The batch list (the home page): a life-cycle stage per batch derived on read, its progress
bar and tier mix, search, filters (stage, class, purpose, created date range, assigned
reviewer), sorting and pagination, in a number of queries that does not grow with the number
of batches, and no writes on GET."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from anonymizer.batches import services
from anonymizer.models import (
    DetectionChunk,
    DetectionRun,
    ExportedDataset,
    Record,
    RiskAssessment,
    SourceBatch,
)
from anonymizer.policies.selectors import default_policy
from anonymizer.rulesets.selectors import ruleset_active
from tests.anonymizer.test_get_writes_nothing import writes_recorded

pytestmark = pytest.mark.django_db

CSV = b"id,body\nA1,first ticket\nA2,second ticket\nA3,third ticket\n"


def make_batch(actor: Any, name: str, **kw: str) -> SourceBatch:
    return services.batch_import(
        actor=actor, data=CSV, name=name, source_format="csv", text_columns=["body"],
        id_column="id", data_class=kw.get("data_class", "personal"),
        purpose=kw.get("purpose", "theme_analysis"),
    )


def detecting(batch: SourceBatch, done: int = 1, total: int = 3) -> DetectionRun:
    """A running current run with `done` of `total` chunks stored."""
    run = DetectionRun.objects.create(
        batch=batch, ruleset=ruleset_active(), chunk_size=1, chunk_count=total, record_count=3
    )
    for i in range(total):
        status = DetectionChunk.Status.DONE if i < done else DetectionChunk.Status.PENDING
        DetectionChunk.objects.create(
            run=run, index=i, first_position=i, last_position=i, status=status
        )
    SourceBatch.objects.filter(pk=batch.pk).update(current_run=run)
    return run


def detected(batch: SourceBatch, statuses: list[str], tiers: list[str]) -> DetectionRun:
    """A finished current run whose records have `statuses` and risk `tiers`, in order."""
    run = detecting(batch, done=1, total=1)
    DetectionRun.objects.filter(pk=run.pk).update(status=DetectionRun.Status.DONE)
    for record, status, tier in zip(
        Record.objects.filter(batch=batch).order_by("position"), statuses, tiers, strict=True
    ):
        Record.objects.filter(pk=record.pk).update(status=status)
        RiskAssessment.objects.create(record=record, run=run, tier=tier, ruleset_version=1)
    return run


def exported(batch: SourceBatch, actor: Any) -> None:
    ExportedDataset.objects.create(
        batch=batch, policy=default_policy(), status=ExportedDataset.Status.DONE, created_by=actor
    )


def rows(html: str) -> dict[str, str]:
    """The list's rows: batch name -> the row's HTML."""
    found = re.findall(r"<tr data-stage.*?</tr>", html, flags=re.S)
    return {re.search(r'">([^<]+)</a>', row).group(1): row for row in found}  # type: ignore[union-attr]


def home(client: Client, **params: Any) -> str:
    response = client.get(reverse("batch_list"), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def client(admin_user: Any) -> Client:
    c = Client()
    c.force_login(admin_user)
    return c


def test_it_shows_each_stage_with_its_progress_and_tier_mix(admin_user: Any, client: Client):
    make_batch(admin_user, "up")
    detecting(make_batch(admin_user, "det"), done=1, total=3)
    waiting = ["needs_review", "escalated", "reviewed"]
    detected(make_batch(admin_user, "rev-open"), waiting, ["high", "medium", "low"])
    settled = ["reviewed", "auto_cleared", "reviewed"]
    detected(make_batch(admin_user, "rev-done"), settled, ["low", "low", "high"])
    done = make_batch(admin_user, "exp")
    detected(done, settled, ["low", "medium", "medium"])
    exported(done, admin_user)
    waits = make_batch(admin_user, "exp-but-waiting")
    detected(waits, waiting, ["low", "low", "low"])
    exported(waits, admin_user)

    got = rows(home(client))

    assert 'data-stage="uploaded"' in got["up"] and "not detected yet" in got["up"]
    assert 'data-stage="detecting"' in got["det"]
    assert '<progress value="1" max="3"' in got["det"] and "1 of 3 chunks done" in got["det"]
    assert 'data-stage="in_review"' in got["rev-open"]
    assert "1 of 3 records reviewed, 2 waiting" in got["rev-open"]
    assert '<progress value="1" max="3"' in got["rev-open"]
    assert re.search(r"tier-low[^>]*>1<.*tier-medium[^>]*>1<.*tier-high[^>]*>1<", got["rev-open"])
    assert 'data-stage="reviewed"' in got["rev-done"] and "3 of 3 records" in got["rev-done"]
    assert re.search(r"tier-low[^>]*>2<.*tier-medium[^>]*>0<.*tier-high[^>]*>1<", got["rev-done"])
    assert 'data-stage="exported"' in got["exp"] and ">Exported</span>" in got["exp"]
    assert 'data-stage="in_review"' in got["exp-but-waiting"]


def test_a_failed_run_is_shown_as_such(admin_user: Any, client: Client) -> None:
    run = detecting(make_batch(admin_user, "broken"))
    DetectionRun.objects.filter(pk=run.pk).update(status=DetectionRun.Status.FAILED)
    assert 'data-stage="detection_failed"' in rows(home(client))["broken"]


def test_search_and_filters_narrow_the_list(admin_user: Any, client: Client) -> None:
    make_batch(admin_user, "Billing March", data_class="confidential")
    make_batch(admin_user, "Billing April", purpose="model_training")
    detecting(make_batch(admin_user, "Support April"))

    assert set(rows(home(client, q="billing"))) == {"Billing March", "Billing April"}
    assert set(rows(home(client, data_class="confidential"))) == {"Billing March"}
    assert set(rows(home(client, purpose="model_training"))) == {"Billing April"}
    assert set(rows(home(client, stage="detecting"))) == {"Support April"}
    assert set(rows(home(client, q="april", stage="uploaded"))) == {"Billing April"}
    assert "No batches match these filters." in home(client, q="nothing like it")
    # Unknown values are ignored, not an error.
    assert len(rows(home(client, stage="bogus", data_class="x", sort="y"))) == 3


def test_sorting_by_name_and_newest(admin_user: Any, client: Client) -> None:
    for name in ("b", "c", "a"):
        make_batch(admin_user, name)
    assert list(rows(home(client, sort="name"))) == ["a", "b", "c"]
    assert list(rows(home(client))) == ["a", "c", "b"]


def test_pagination_keeps_the_filters_in_its_links(admin_user: Any, client: Client) -> None:
    for i in range(27):
        make_batch(admin_user, f"batch {i:02}")
    make_batch(admin_user, "other")
    first = home(client, q="batch", sort="name")
    assert len(rows(first)) == 25 and "Page 1 of 2" in first
    assert "?q=batch&amp;sort=name&page=2" in first
    second = rows(home(client, q="batch", sort="name", page=2))
    assert list(second) == ["batch 25", "batch 26"]


def count_queries(client: Client) -> int:
    with CaptureQueriesContext(connection) as queries:
        home(client)
    return len(queries)


def test_query_count_does_not_grow_with_the_batches(admin_user: Any, client: Client) -> None:
    def add(n: int) -> None:
        for i in range(n):
            b = make_batch(admin_user, f"n{SourceBatch.objects.count()}-{i}")
            detected(b, ["needs_review", "reviewed", "reviewed"], ["low", "high", "medium"])
            exported(b, admin_user)

    add(3)
    few = count_queries(client)
    add(12)
    assert len(rows(home(client))) == 15
    assert count_queries(client) == few


def test_a_get_of_the_list_writes_nothing(admin_user: Any, client: Client) -> None:
    detecting(make_batch(admin_user, "det"))
    detected(make_batch(admin_user, "rev"), ["reviewed"] * 3, ["low"] * 3)
    with writes_recorded() as found:
        filtered = home(client, q="e", stage="reviewed", sort="name")
        everything = home(client)
    assert found == []
    assert list(rows(filtered)) == ["rev"] and len(rows(everything)) == 2


def test_date_range_and_reviewer_filters(admin_user: Any, client: Client, make_user: Any):
    rita, ravi = make_user("rita_r", "reviewer"), make_user("ravi_r", "reviewer")
    old, new, both = make_batch(admin_user, "old"), make_batch(admin_user, "new"), make_batch(
        admin_user, "both"
    )
    SourceBatch.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=30))
    services.batch_assign_reviewers(actor=admin_user, batch=new, reviewers=[rita])
    services.batch_assign_reviewers(actor=admin_user, batch=both, reviewers=[rita, ravi])

    day = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert set(rows(home(client, date_from=day, date_to=day))) == {"old"}
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert set(rows(home(client, date_from=week_ago))) == {"new", "both"}
    assert set(rows(home(client, date_to=week_ago))) == {"old"}
    assert set(rows(home(client, reviewer=rita.pk))) == {"new", "both"}
    assert set(rows(home(client, reviewer=ravi.pk, q="bo"))) == {"both"}
    assert set(rows(home(client, date_from="not a date", reviewer="x"))) == {"old", "new", "both"}
    page = home(client)
    assert f'<option value="{rita.pk}">rita_r</option>' in page  # the reviewer menu


def test_a_reviewer_filters_only_among_their_batches(admin_user: Any, make_user: Any) -> None:
    rita, ravi = make_user("rita_r", "reviewer"), make_user("ravi_r", "reviewer")
    services.batch_assign_reviewers(
        actor=admin_user, batch=make_batch(admin_user, "ravi batch"), reviewers=[ravi]
    )
    services.batch_assign_reviewers(
        actor=admin_user, batch=make_batch(admin_user, "rita batch"), reviewers=[rita]
    )
    c = Client()
    c.force_login(rita)
    assert set(rows(home(c))) == {"rita batch"}
    assert set(rows(home(c, reviewer=ravi.pk))) == set()  # not a way to see ravi's batches
    assert "ravi_r" not in home(c)
