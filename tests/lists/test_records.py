"""The records list (/records/): the records of every batch the user may see, with tier, review
state, triggers in words and span counts by type, never the records' text; filters, sorting,
pagination with a bounded count, links to the review page only where the user may review, and
a number of queries that does not grow with the page."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from anonymizer.models import Record
from review.models import ReviewItem
from tests.lists.conftest import (
    SECRET,
    cells,
    client_for,
    detected_batch,
    escalate,
    set_triggers,
)

pytestmark = pytest.mark.django_db


def listing(user: Any, **params: Any) -> str:
    response = client_for(user).get(reverse("record_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def ids(html: str) -> list[str]:
    """The external ids of the listed records, in page order."""
    rows = cells(html, "record")
    return [row.split("</a>")[0].rsplit(">", 1)[-1] if "<a href=\"/review/" in row
            else row.split("<td>", 1)[1].split(" <span", 1)[0] for row in rows]  # fmt: skip


@pytest.fixture
def two_batches(admin_user: Any, reviewer: Any, second_reviewer: Any) -> tuple[Any, Any]:
    mine = detected_batch(admin_user, [reviewer], ["high", "medium", "low"], name="Mine")
    theirs = detected_batch(admin_user, [second_reviewer], ["high", "high"], name="Theirs")
    return mine, theirs


def test_no_list_shows_record_text(two_batches: Any, admin_user, officer, reviewer) -> None:
    for user in (admin_user, officer, reviewer):
        html = listing(user)
        assert cells(html, "record"), user
        assert SECRET not in html and "Quux" not in html
        assert "Person 1" in html and "Place 1" in html  # span counts by type, in words


def test_a_reviewer_sees_only_the_assigned_batches(
    two_batches: Any, reviewer: Any, outsider: Any, admin_user: Any
) -> None:
    mine, theirs = two_batches
    html = listing(reviewer)
    assert len(cells(html, "record")) == 3 and "Mine" in html and "Theirs" not in html
    # Asking for another batch's records by id shows nothing of it.
    other = listing(reviewer, batch=str(theirs.public_id))
    assert cells(other, "record") == [] and "Theirs" not in other
    assert cells(listing(outsider), "record") == []
    assert len(cells(listing(admin_user), "record")) == 5


def test_rows_link_to_the_review_page_only_where_the_user_may_review(
    two_batches: Any, reviewer: Any, admin_user: Any, officer: Any
) -> None:
    mine, _ = two_batches
    item = ReviewItem.objects.filter(batch=mine).first()
    link = reverse("review_record", args=[item.public_id])
    assert link in listing(reviewer)
    assert link in listing(officer)  # officers review every batch's escalations
    admin_page = listing(admin_user)
    assert "/review/records/" not in admin_page  # admins may look, not review


def test_filters_by_tier_state_trigger_and_batch(two_batches: Any, admin_user: Any) -> None:
    mine, theirs = two_batches
    set_triggers(mine, 1, ["health_context", "narrative"])
    set_triggers(theirs, 2, ["narrative"])
    assert len(cells(listing(admin_user, tier="high"), "record")) == 3
    assert len(cells(listing(admin_user, tier="low"), "record")) == 1
    # The low record of a queue without sampling was auto-cleared; the others wait.
    assert len(cells(listing(admin_user, state="auto_cleared"), "record")) == 1
    assert len(cells(listing(admin_user, state="waiting"), "record")) == 4
    health = listing(admin_user, trigger="health_context")
    assert len(cells(health, "record")) == 1 and "Health information" in health
    assert len(cells(listing(admin_user, trigger="narrative"), "record")) == 2
    assert len(cells(listing(admin_user, trigger="narrative", tier="medium"), "record")) == 0
    by_batch = listing(admin_user, batch=str(theirs.public_id))
    assert len(cells(by_batch, "record")) == 2 and "Records of Theirs" in by_batch
    # Unknown values are ignored, not an error.
    unknown = listing(admin_user, tier="x", state="y", trigger="z", sort="w")
    assert len(cells(unknown, "record")) == 5


def test_filters_by_reviewer_date_and_external_id(
    two_batches: Any, admin_user: Any, reviewer: Any, second_reviewer: Any
) -> None:
    mine, _ = two_batches
    escalated = escalate(reviewer)
    html = listing(admin_user, reviewer=reviewer.pk)
    assert len(cells(html, "record")) == 1 and "rita_reviewer" in html
    assert cells(listing(admin_user, reviewer=second_reviewer.pk), "record") == []
    assert len(cells(listing(admin_user, state="escalated"), "record")) == 1
    old = timezone.now() - timedelta(days=40)
    Record.objects.filter(pk=escalated.record_id).update(created_at=old)
    day = old.date().isoformat()
    assert len(cells(listing(admin_user, date_from=day, date_to=day), "record")) == 1
    assert len(cells(listing(admin_user, date_to=day), "record")) == 1
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    assert len(cells(listing(admin_user, date_from=since), "record")) == 4
    Record.objects.filter(batch=mine, position=2).update(external_id="TCK-77")
    assert len(cells(listing(admin_user, q="TCK-7"), "record")) == 1
    assert cells(listing(admin_user, q="CK-7"), "record") == []  # the start of the id


def test_sorts(admin_user: Any, reviewer: Any) -> None:
    batch = detected_batch(admin_user, [reviewer], ["low", "low", "low"], name="Sorted")
    records = list(Record.objects.filter(batch=batch).order_by("position"))
    for i, record in enumerate(records):  # the last in the file is the oldest
        Record.objects.filter(pk=record.pk).update(
            created_at=timezone.now() - timedelta(hours=i), external_id=f"R{i}"
        )
    assert ids(listing(admin_user)) == ["R0", "R1", "R2"]
    assert ids(listing(admin_user, sort="oldest")) == ["R2", "R1", "R0"]
    assert ids(listing(admin_user, sort="file order")) == ["R0", "R1", "R2"]


def cursor(html: str, name: str) -> str:
    found = re.search(rf'[?&]{name}=([^"&]+)"', html)
    return unquote(found.group(1)) if found else ""


@pytest.mark.parametrize("sort", ["newest", "oldest", "file order"])
def test_keyset_pages_keep_the_filters(admin_user: Any, reviewer: Any, sort: str) -> None:
    detected_batch(admin_user, [reviewer], ["medium"] * 60 + ["low"] * 5, name="Paged")
    other = detected_batch(admin_user, [reviewer], ["medium"] * 45, name="Paged too")
    Record.objects.filter(batch=other).update(external_id=Concat(Value("B-"), "external_id"))
    first = listing(admin_user, tier="medium", sort=sort)
    assert len(cells(first, "record")) == 50 and "?tier=medium&amp;sort=" in first
    assert cursor(first, "before") == ""  # the first page has nothing before it
    seen, page, pages = ids(first), first, 1
    while cursor(page, "after"):
        page = listing(admin_user, tier="medium", sort=sort, after=cursor(page, "after"))
        seen += ids(page)
        pages += 1
    assert pages == 3 and len(seen) == 105 and len(set(seen)) == 105
    back = listing(admin_user, tier="medium", sort=sort, before=cursor(page, "before"))
    assert ids(back) == seen[50:100]
    # A cursor that is not one of ours shows the first page.
    assert ids(listing(admin_user, tier="medium", sort=sort, after="nonsense")) == seen[:50]


def test_query_count_does_not_grow_with_the_page(
    admin_user: Any, reviewer: Any, officer: Any, django_assert_max_num_queries: Any
) -> None:
    clients = {u.pk: client_for(u) for u in (admin_user, reviewer, officer)}
    for client in clients.values():
        client.get(reverse("record_list"))  # the session and the login's work are done

    def queries(user: Any) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert clients[user.pk].get(reverse("record_list"), {"tier": "high"}).status_code == 200
        return len(captured)

    detected_batch(admin_user, [reviewer], ["high", "low"], name="Few")
    few = {u.pk: queries(u) for u in (admin_user, reviewer, officer)}
    for n in range(3):
        detected_batch(admin_user, [reviewer], ["high"] * 15, name=f"Many {n}")
    escalate(reviewer)
    for user in (admin_user, reviewer, officer):
        assert queries(user) == few[user.pk]
    with django_assert_max_num_queries(12):
        clients[reviewer.pk].get(reverse("record_list"), {"state": "escalated"})
