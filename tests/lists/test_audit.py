"""The audit list: kind, actor, batch, object id, date range and search; the whole trail pages
by seq range at any depth, a filtered one with a bounded count; the CSV takes the same filters;
privacy officers only; a fixed number of queries."""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit import selectors
from audit.models import AuditEvent
from audit.services import audit_log, verify_chain
from tests.lists.conftest import client_for

pytestmark = pytest.mark.django_db
BATCH = uuid.uuid4()


class Target:
    def __init__(self, pk: int) -> None:
        self.pk = pk


@pytest.fixture
def trail(officer: Any, admin_user: Any) -> list[AuditEvent]:
    """Events written by the real writer (after those the fixtures' users already made)."""
    made = [
        audit_log(actor=admin_user, action="export.started", batch_public_id=BATCH),
        audit_log(actor=officer, action="policy.approved", target=Target(42)),
        audit_log(actor=officer, action="vault.lookup", payload={"token": "t1"}),
        audit_log(actor=admin_user, action="export.downloaded", batch_public_id=BATCH),
    ]
    assert verify_chain() == []
    return made


def seqs(html: str) -> list[int]:
    return [int(s) for s in re.findall(r'<tr class="event"><td class="num">(\d+)</td>', html)]


def listing(user: Any, **params: Any) -> str:
    response = client_for(user).get(reverse("audit_list"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_filters_by_kind_actor_batch_object_and_search(trail: list, officer: Any) -> None:
    started, approved, lookup, downloaded = (e.seq for e in trail)
    assert seqs(listing(officer, action="vault.lookup")) == [lookup]
    assert seqs(listing(officer, username="alice_admin", batch=str(BATCH))) == [downloaded, started]
    assert seqs(listing(officer, target="42")) == [approved]
    assert seqs(listing(officer, target="Target:42")) == [approved]
    assert seqs(listing(officer, target="Other:42")) == []
    assert seqs(listing(officer, q="export")) == [downloaded, started]
    mine = seqs(listing(officer, q="oscar_officer"))  # also the officer's sign-ins
    assert lookup in mine and approved in mine and started not in mine
    assert seqs(listing(officer, q="export", sort="oldest")) == [started, downloaded]
    # Known kinds, read along the index, fill the kind menu.
    assert {"export.started", "policy.approved", "vault.lookup"} <= set(selectors.known_actions())


def test_date_range(trail: list, officer: Any) -> None:
    today = timezone.localdate()
    assert len(seqs(listing(officer, date_from=today.isoformat()))) >= 4
    yesterday = (today - timedelta(days=1)).isoformat()
    assert seqs(listing(officer, date_to=yesterday)) == []
    assert seqs(listing(officer, date_from=yesterday, date_to=today.isoformat()))


def test_the_whole_trail_pages_by_seq(
    officer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(officer)  # signing in writes an event: before the trail is read

    def page(**params: Any) -> list[int]:
        response = client.get(reverse("audit_list"), params)
        assert response.status_code == 200
        return seqs(response.content.decode())

    for i in range(7):
        audit_log(actor=officer, action="bench.event", payload={"i": i})
    last = AuditEvent.objects.order_by("-seq").first().seq
    monkeypatch.setattr(selectors, "EVENTS_PER_PAGE", 3)
    first = client.get(reverse("audit_list")).content.decode()
    assert seqs(first) == [last, last - 1, last - 2]
    pages = -(-last // 3)
    assert f"Page 1 of {pages}" in first and "page=2" in first
    assert page(page=2) == [last - 3, last - 4, last - 5]
    assert page(page=pages) == list(range(last - 3 * (pages - 1), 0, -1))
    assert page(page=9999) == page(page=pages)
    assert page(sort="oldest", page=2) == [4, 5, 6]
    # A filtered trail pages by count, bounded.
    monkeypatch.setattr(selectors, "EVENTS_COUNTED", 5)
    capped = client.get(reverse("audit_list"), {"action": "bench.event"}).content.decode()
    assert "More than 5 events match" in capped and "Page 1 of 2" in capped
    assert page(action="bench.event", page=2) == [last - 3, last - 4]  # 5 of 7 counted


def test_the_csv_has_the_same_filters(trail: list, officer: Any) -> None:
    response = client_for(officer).get(reverse("audit_csv"), {"q": "export", "sort": "oldest"})
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert [r["action"] for r in rows] == ["export.started", "export.downloaded"]
    target = client_for(officer).get(reverse("audit_csv"), {"target": "Target:42"})
    assert [r["action"] for r in csv.DictReader(
        io.StringIO(b"".join(target.streaming_content).decode()))] == ["policy.approved"]


def test_only_officers_read_the_trail(trail: list, admin_user, reviewer, outsider) -> None:
    for user in (admin_user, reviewer, outsider):
        for name in ("audit_list", "audit_csv"):
            assert client_for(user).get(reverse(name)).status_code == 403


def test_query_count_does_not_grow(officer: Any) -> None:
    client = client_for(officer)
    client.get(reverse("audit_list"))

    def queries(**params: Any) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("audit_list"), params).status_code == 200
        return len(captured)

    audit_log(actor=officer, action="bench.event")
    few = (queries(), queries(action="bench.event"), queries(q="bench"))
    for i in range(30):
        audit_log(actor=officer, action="bench.event", payload={"i": i})
    assert (queries(), queries(action="bench.event"), queries(q="bench")) == few
