"""The audit trail (officers only, with the page's filters) and the read-only policies and
rule sets."""

from __future__ import annotations

from typing import Any

import pytest

from anonymizer.models import Policy
from anonymizer.policies import services as policies
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_officers_read_the_trail_with_filters(
    api: Any, officer: Any, admin_user: Any, detected: Any
) -> None:
    client = api(officer)
    body = client.get("/api/audit/events/", {"page_size": 200}).json()
    seqs = [e["seq"] for e in body["results"]]
    assert body["count"] == AuditEvent.objects.count() and seqs == sorted(seqs, reverse=True)
    imported = client.get("/api/audit/events/", {"action": "batch.imported"}).json()
    assert imported["count"] == 1 and imported["results"][0]["actor"] == admin_user.username
    kinds = client.get("/api/audit/events/", {"kind": "api_token"}).json()["results"]
    assert kinds and all(e["action"].startswith("api_token.") for e in kinds)
    mine = client.get("/api/audit/events/", {"actor": officer.username}).json()["results"]
    assert {e["action"] for e in mine} == {"api_token.created"}
    of_batch = client.get("/api/audit/events/", {"batch": detected.public_id}).json()
    assert of_batch["count"] >= 2 and all(
        e["batch"] == str(detected.public_id) for e in of_batch["results"]
    )
    today = AuditEvent.objects.last().at.date().isoformat()
    assert client.get("/api/audit/events/", {"date_from": today}).json()["count"] == body["count"]
    assert client.get("/api/audit/events/", {"date_to": "2000-01-01"}).json()["count"] == 0
    assert client.get("/api/audit/events/", {"date_to": "soon"}).status_code == 400


def test_policies_and_rule_sets_are_read_only_lists_and_details(
    api: Any, officer: Any, admin_user: Any
) -> None:
    draft = policies.policy_create(actor=officer, name="walk")
    client = api(admin_user)
    listed = client.get("/api/policies/").json()["results"]
    pairs = {(p["name"], p["status"]) for p in listed}
    assert pairs >= {("default", "approved"), ("walk", "draft")}
    assert client.get("/api/policies/", {"status": "draft"}).json()["count"] == (
        Policy.objects.filter(status="draft").count()
    )
    detail = client.get(f"/api/policies/{draft.public_id}/").json()
    assert detail["authored_by"] == officer.username and detail["versions"][0]["version"] == 1
    assert "rules" in detail["rules"]
    assert client.post("/api/policies/").status_code == 405
    rulesets = client.get("/api/rulesets/").json()["results"]
    assert [r["status"] for r in rulesets if r["version"] == 1] == ["active"]
    assert "config" in client.get("/api/rulesets/1/").json()
