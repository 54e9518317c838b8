"""The escalation list: open or resolved, by batch, by who escalated, by age and date, oldest
or newest first, paged; officers only; a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from review import views
from review.models import ReviewItem
from tests.lists.conftest import SECRET, cells, client_for, detected_batch, escalate, give_back

pytestmark = pytest.mark.django_db


def listing(user: Any, **params: Any) -> str:
    response = client_for(user).get(reverse("escalation_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def rows(html: str) -> list[str]:
    return cells(html, "escalation")


@pytest.fixture
def escalated(admin_user: Any, reviewer: Any, second_reviewer: Any, officer: Any) -> dict:
    """Three escalations: two open (one in each batch) and one returned to its reviewer."""
    mine = detected_batch(admin_user, [reviewer], ["high", "high"], name="Mine")
    theirs = detected_batch(admin_user, [second_reviewer], ["high"], name="Theirs")
    first = escalate(reviewer, "first note")
    returned = give_back(officer, escalate(reviewer, "second note"))
    other = escalate(second_reviewer, "third note")
    ReviewItem.objects.filter(pk=first.pk).update(escalated_at=timezone.now() - timedelta(days=9))
    return {"mine": mine, "theirs": theirs, "first": first, "returned": returned, "other": other}


def test_open_escalations_by_default_oldest_first(escalated: dict, officer: Any) -> None:
    html = listing(officer)
    found = rows(html)
    assert len(found) == 2 and "first note" in found[0] and "third note" in found[1]
    assert SECRET not in html
    newest = rows(listing(officer, sort="newest"))
    assert "third note" in newest[0] and "first note" in newest[1]


def test_status_batch_reviewer_age_and_date(
    escalated: dict, officer: Any, reviewer: Any, second_reviewer: Any
) -> None:
    resolved = rows(listing(officer, status="resolved"))
    assert len(resolved) == 1 and "second note" in resolved[0]
    assert "Returned to reviewer" in resolved[0]
    assert len(rows(listing(officer, status="any"))) == 3
    assert len(rows(listing(officer, status="any", batch=str(escalated["mine"].public_id)))) == 2
    assert len(rows(listing(officer, status="any", escalated_by=reviewer.pk))) == 2
    mine_open = rows(listing(officer, escalated_by=reviewer.pk))
    assert len(mine_open) == 1 and "first note" in mine_open[0]
    assert len(rows(listing(officer, escalated_by=second_reviewer.pk))) == 1
    old = rows(listing(officer, older_than=7))
    assert len(old) == 1 and "first note" in old[0]
    today = timezone.localdate().isoformat()
    assert len(rows(listing(officer, status="any", date_from=today))) == 2
    week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
    assert len(rows(listing(officer, date_to=week_ago))) == 1
    assert "No escalation matches" in listing(officer, older_than=30)
    # Malformed values are dropped, never an error.
    assert len(rows(listing(officer, status="x", batch="nope", older_than="-1", sort="z"))) == 2


def test_pagination_keeps_the_filters(
    admin_user: Any, reviewer: Any, officer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    detected_batch(admin_user, [reviewer], ["high"] * 5, name="Many")
    for i in range(5):
        escalate(reviewer, f"note {i}")
    monkeypatch.setattr(views, "ESCALATIONS_PER_PAGE", 2)
    first = listing(officer, escalated_by=reviewer.pk)
    assert len(rows(first)) == 2 and "Page 1 of 3" in first
    assert f"?escalated_by={reviewer.pk}&page=2" in first
    last = rows(listing(officer, escalated_by=reviewer.pk, page=3))
    assert len(last) == 1 and "note 4" in last[0]


def test_only_officers_see_the_list(escalated: dict, reviewer, admin_user, outsider) -> None:
    for user in (reviewer, admin_user, outsider):
        response = client_for(user).get(reverse("escalation_list"))
        assert response.status_code == 403 and b"first note" not in response.content


def test_query_count_does_not_grow(admin_user: Any, reviewer: Any, officer: Any) -> None:
    client = client_for(officer)
    client.get(reverse("escalation_list"))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("escalation_list"), {"status": "any"}).status_code == 200
        return len(captured)

    detected_batch(admin_user, [reviewer], ["high"] * 8, name="Load")
    escalate(reviewer)
    few = queries()
    for _ in range(6):
        escalate(reviewer)
    assert queries() == few and len(rows(listing(officer))) == 7
