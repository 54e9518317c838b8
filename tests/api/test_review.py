"""Review through the API: the same leases and services as the review page. A second tool
gets 409; every decision is a Decision and an audit event; span text only for reviewers."""

from __future__ import annotations

from typing import Any

import pytest

from anonymizer.batches import services as batches
from audit.models import AuditEvent
from review.models import Decision, ItemState, ReviewItem
from tests.api.conftest import PLANTED

pytestmark = pytest.mark.django_db


def decide(tool: Any, item: dict[str, Any], action: str, **fields: Any) -> Any:
    body = {"action": action, "version": item["version"], **fields}
    return tool.post(f"/api/review/items/{item['id']}/decisions/", body)


def span(item: dict[str, Any], label: str) -> dict[str, Any]:
    return next(s for s in item["spans"] if s["label"] == label)


def test_next_leases_a_record_with_its_text_and_spans(
    api: Any, reviewer: Any, detected: Any
) -> None:
    response = api(reviewer).post("/api/review/next/")
    assert response.status_code == 200
    item = response.json()
    stored = ReviewItem.objects.get(public_id=item["id"])
    assert stored.holder == reviewer and item["lease"]["held"] and item["mode"] == "review"
    assert item["position"] == 1 and item["can_review"] and item["pending"] == 2
    assert {(s["label"], s["text"]) for s in item["spans"]} == {
        ("PERSON", PLANTED[0]), ("ORDER_ID", PLANTED[1])
    }
    assert PLANTED[0] in item["text"] and PLANTED[0] not in item["preview"]
    person = span(item, "PERSON")
    assert (person["start"], person["score"]) == (item["text"].index(PLANTED[0]), 0.85)


def test_a_second_tool_gets_409_and_a_stale_version_too(
    api: Any, reviewer: Any, make_user: Any, admin_user: Any, detected: Any
) -> None:
    other = make_user("ravi_reviewer", "reviewer")
    batches.batch_assign_reviewers(actor=admin_user, batch=detected, reviewers=[reviewer, other])
    first, second = api(reviewer), api(other)
    item = first.post("/api/review/next/").json()
    person = span(item, "PERSON")
    taken = decide(second, item, "accept", span=person["id"])
    assert taken.status_code == 409 and "Another person holds" in taken.json()["error"]
    # The other tool's next record is another one: the lease is not handed out twice.
    theirs = second.post("/api/review/next/").json()
    assert theirs["id"] != item["id"]
    assert decide(first, item, "accept", span=person["id"]).status_code == 200
    stale = decide(first, item, "reject", span=person["id"])  # the version it saw is old now
    assert stale.status_code == 409 and "changed since" in stale.json()["error"]
    assert Decision.objects.filter(item__public_id=item["id"]).count() == 1


def test_decisions_go_through_the_services_with_their_audit_events(
    api: Any, reviewer: Any, detected: Any
) -> None:
    tool = api(reviewer)
    item = tool.post("/api/review/next/").json()
    item = decide(tool, item, "relabel", span=span(item, "ORDER_ID")["id"], label="ACCOUNT_ID")
    assert item.status_code == 200
    item = item.json()
    assert span(item, "ACCOUNT_ID")["status"] == "accepted" and item["version"] == 1
    late = item["text"].index("late")
    item = decide(tool, item, "add", start=late, end=late + 4, label="DATE_TIME").json()
    item = decide(tool, item, "reject", span=span(item, "PERSON")["id"]).json()
    item = decide(tool, item, "escalate", note="Is the order id personal?").json()
    assert item["state"] == "escalated" and not item["lease"]["held"] and item["version"] == 4
    actions = list(
        Decision.objects.filter(item__public_id=item["id"]).values_list("action", flat=True)
    )
    assert actions == ["relabel", "add", "reject", "escalate"]
    events = AuditEvent.objects.filter(action__startswith="review.", actor=reviewer)
    assert list(events.values_list("action", flat=True)) == [f"review.{a}" for a in actions]
    assert not any(v in str(e.payload) for e in events for v in PLANTED)


def test_an_officer_takes_and_resolves_an_escalation(
    api: Any, reviewer: Any, officer: Any, detected: Any
) -> None:
    tool = api(reviewer)
    item = tool.post("/api/review/next/").json()
    item = decide(tool, item, "accept_all").json()
    item = decide(tool, item, "escalate", note="Check this one").json()
    refused = decide(tool, item, "resolve")
    assert refused.status_code == 403
    desk = api(officer)
    taken = decide(desk, item, "take")
    assert taken.status_code == 200 and taken.json()["mode"] == "officer"
    resolved = decide(desk, taken.json(), "resolve", note="fine")
    assert resolved.status_code == 200 and resolved.json()["state"] == ItemState.DONE


def test_view_only_users_read_offsets_but_not_text_and_may_not_act(
    api: Any, reviewer: Any, admin_user: Any, outsider: Any, detected: Any
) -> None:
    item = api(reviewer).post("/api/review/next/").json()
    admin = api(admin_user)
    seen = admin.get(f"/api/review/items/{item['id']}/")
    assert seen.status_code == 200
    body = seen.json()
    assert body["text"] is None and not body["can_review"] and body["mode"] == "read"
    assert [s["start"] for s in body["spans"]] == [s["start"] for s in item["spans"]]
    assert all(s["text"] is None for s in body["spans"])
    assert not any(v.encode() in seen.content for v in PLANTED)
    assert decide(admin, item, "accept", span=item["spans"][0]["id"]).status_code == 403
    stranger = api(outsider)
    assert stranger.get(f"/api/review/items/{item['id']}/").status_code == 404
    assert decide(stranger, item, "accept", span=item["spans"][0]["id"]).status_code == 404


def test_review_writes_need_the_review_scope(api: Any, reviewer: Any, detected: Any) -> None:
    reader = api(reviewer, "read")
    refused = reader.post("/api/review/next/")
    assert refused.status_code == 403 and "'review' scope" in refused.json()["error"]
    assert not ReviewItem.objects.filter(holder=reviewer).exists()


def test_refusals_and_an_empty_queue(api: Any, reviewer: Any, outsider: Any, detected: Any) -> None:
    tool = api(reviewer)
    item = tool.post("/api/review/next/").json()
    bad = tool.post(f"/api/review/items/{item['id']}/decisions/", {"action": "dance"})
    assert bad.status_code == 400 and "action" in bad.json()["fields"]
    no_version = tool.post(f"/api/review/items/{item['id']}/decisions/", {"action": "submit"})
    assert no_version.status_code == 400
    undecided = decide(tool, item, "submit")
    assert undecided.status_code == 400 and "still undecided" in undecided.json()["error"]
    assert api(outsider).post("/api/review/next/").status_code == 204
