"""Records through the API: the transformed text only (as the review page previews it),
never the raw; tier, triggers and review state; filters and pagination."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from anonymizer.models import Policy
from tests.api.conftest import PLANTED

pytestmark = pytest.mark.django_db


def records(api: Any, batch: Any, **params: Any) -> Any:
    return api.get(f"/api/batches/{batch.public_id}/records/", params)


def test_before_detection_there_is_no_text_at_all(api: Any, admin_user: Any, batch: Any) -> None:
    response = records(api(admin_user), batch)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["position"] for r in rows] == [1, 2, 3]
    assert all(r["text"] is None and r["tier"] is None for r in rows)
    for value in (*PLANTED, "charged twice"):
        assert value.encode() not in response.content


def test_the_planted_raw_values_never_leave(api: Any, admin_user: Any, detected: Any) -> None:
    response = records(api(admin_user), detected)
    body = response.json()
    assert response.status_code == 200 and body["count"] == 3
    first = body["results"][0]
    assert first["tier"] == "high" and first["triggers"][0]["code"] == "test_high"
    assert first["policy"]["name"] == "default" and first["review"]["state"] == "open"
    assert "order" in first["text"] and "is late" in first["text"]
    for value in PLANTED:
        assert value.encode() not in response.content
    one = api(admin_user).get(f"/api/batches/{detected.public_id}/records/1/")
    assert one.json() == first
    assert not any(v.encode() in one.content for v in PLANTED)
    # Fields and the source id are not part of a record here.
    assert b"SW1A" not in response.content and b'"T1"' not in response.content


def test_pseudonyms_are_hidden_as_on_the_review_page(
    api: Any, admin_user: Any, detected: Any
) -> None:
    Policy.objects.create(
        name="pseudo", version=1, status=Policy.Status.APPROVED, approved_at=timezone.now(),
        data_class="personal", purpose="theme_analysis",
        rules={
            "rules": {"PERSON": {"operator": "pseudonymize"}},
            "default": {"operator": "redact"},
        },
    )
    first = records(api(admin_user), detected).json()["results"][0]
    assert first["policy"]["name"] == "pseudo"
    assert "[PERSON pseudonym]" in first["text"]
    assert PLANTED[0] not in first["text"] and PLANTED[1] not in first["text"]


def test_the_reviewed_span_set_decides_once_a_person_leased_it(
    api: Any, reviewer: Any, admin_user: Any, detected: Any
) -> None:
    tool = api(reviewer)
    item = tool.post("/api/review/next/").json()
    order = next(s for s in item["spans"] if s["label"] == "ORDER_ID")
    done = tool.post(
        f"/api/review/items/{item['id']}/decisions/",
        {"action": "reject", "version": item["version"], "span": order["id"]},
    )
    assert done.status_code == 200
    text = records(api(admin_user), detected).json()["results"][0]["text"]
    assert PLANTED[1] in text and PLANTED[0] not in text  # a person said it is no identifier


def test_filters_by_tier_reviewed_and_status(
    api: Any, admin_user: Any, reviewer: Any, detected: Any
) -> None:
    client = api(admin_user)
    assert [r["position"] for r in records(client, detected, tier="high").json()["results"]] == [1]
    assert records(client, detected, tier="low").json()["count"] == 1
    assert records(client, detected, reviewed="false").json()["count"] == 3
    assert records(client, detected, status="auto_cleared").json()["count"] == 1
    tool = api(reviewer)
    item = tool.post("/api/review/next/").json()
    url = f"/api/review/items/{item['id']}/decisions/"
    accepted = tool.post(url, {"action": "accept_all", "version": item["version"]}).json()
    assert tool.post(url, {"action": "submit", "version": accepted["version"]}).status_code == 200
    reviewed = records(client, detected, reviewed="true").json()["results"]
    assert [(r["position"], r["reviewed"]) for r in reviewed] == [(1, True)]
    refused = records(client, detected, tier="extreme")
    assert refused.status_code == 400 and "tier" in refused.json()["fields"]


def test_pages(api: Any, admin_user: Any, detected: Any) -> None:
    client = api(admin_user)
    first = records(client, detected, page_size=2).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = records(client, detected, page_size=2, page=2).json()
    assert [r["position"] for r in second["results"]] == [3] and second["next"] is None
    past = records(client, detected, page=9)
    assert past.status_code == 404 and "error" in past.json()


def test_only_those_who_see_the_batch_read_its_records(
    api: Any, reviewer: Any, outsider: Any, officer: Any, detected: Any
) -> None:
    assert records(api(reviewer), detected).status_code == 200
    assert records(api(officer), detected).status_code == 200
    hidden = records(api(outsider), detected)
    assert hidden.status_code == 404 and hidden.json() == {"error": "No such batch."}
    assert api(reviewer).get(f"/api/batches/{detected.public_id}/records/7/").status_code == 404
