"""Exports through the API: started with the export scope by those who may export (as the
batch page's button), their status and files, and downloads audited as on the page."""

from __future__ import annotations

import json
from typing import Any

import pytest

from anonymizer.exports import services
from anonymizer.models import ExportedDataset, Policy
from anonymizer.policies.selectors import default_policy
from audit.models import AuditEvent
from tests.api.conftest import PLANTED

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def export_dir(settings: Any, tmp_path: Any) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path


def start(tool: Any, batch: Any, policy: Any) -> Any:
    return tool.post("/api/exports/", {"batch": str(batch.public_id), "policy": str(policy)})


def test_an_admin_exports_and_downloads_with_the_audit_event(
    api: Any, admin_user: Any, detected: Any
) -> None:
    tool = api(admin_user)
    created = start(tool, detected, default_policy().public_id)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["status"] == "queued" and body["files"] == []
    assert body["policy"]["name"] == "default"
    services.run_export(ExportedDataset.objects.get(public_id=body["id"]).pk)  # a worker's part
    detail = tool.get(f"/api/exports/{body['id']}/").json()
    # Only the settled record (T3, auto-cleared) leaves; T1 and T2 are still in review.
    assert detail["status"] == "done" and detail["progress"] == {"done": 1, "total": 3}
    names = [f["name"] for f in detail["files"]]
    assert "records.jsonl" in names and names[-1] == "manifest.json"
    listed = tool.get("/api/exports/", {"batch": detected.public_id}).json()["results"]
    assert [e["id"] for e in listed] == [body["id"]]
    response = tool.get(f"/api/exports/{body['id']}/files/records.jsonl")
    assert response.status_code == 200 and response["Content-Type"] == "application/octet-stream"
    content = b"".join(response.streaming_content)
    rows = [json.loads(line) for line in content.splitlines()]
    assert rows and not any(v.encode() in content for v in PLANTED)
    event = AuditEvent.objects.get(action="export.downloaded")
    assert event.actor == admin_user and event.payload["file"] == "records.jsonl"
    assert event.ip_address == "127.0.0.1"
    missing = tool.get(f"/api/exports/{body['id']}/files/nothing.csv")
    assert missing.status_code == 404


def test_who_may_start_and_download(
    api: Any, admin_user: Any, officer: Any, reviewer: Any, outsider: Any, detected: Any
) -> None:
    policy = default_policy().public_id
    assert start(api(officer), detected, policy).status_code == 403
    assert start(api(reviewer), detected, policy).status_code == 403
    assert start(api(outsider), detected, policy).status_code == 404
    no_scope = start(api(admin_user, "read"), detected, policy)
    assert no_scope.status_code == 403 and "'export' scope" in no_scope.json()["error"]
    assert not ExportedDataset.objects.exists()
    export = services.run_export(
        services.export_start(
            actor=admin_user, batch=detected, policy=default_policy(), enqueue=False
        ).pk
    )
    path = f"/api/exports/{export.public_id}/files/manifest.json"
    assert api(officer).get(f"/api/exports/{export.public_id}/").status_code == 200
    assert api(officer).get(path).status_code == 403  # officers see exports, admins download
    assert api(reviewer).get(path).status_code == 403
    assert api(outsider).get(path).status_code == 404
    assert api(admin_user, "read").get(path).status_code == 403  # a download needs `export`
    assert api(admin_user, "read", "export").get(path).status_code == 200
    assert AuditEvent.objects.filter(action="export.downloaded").count() == 1


def test_a_policy_that_cannot_be_used_is_a_400(api: Any, admin_user: Any, detected: Any) -> None:
    tool = api(admin_user)
    draft = Policy.objects.create(name="draft", version=1, rules={})
    refused = start(tool, detected, draft.public_id)
    assert refused.status_code == 400 and "approved policy" in refused.json()["error"]
    unknown = start(tool, detected, "00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 400
    bad = tool.post("/api/exports/", {"batch": "nope"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"batch", "policy"}


def test_behind_the_proxy_a_download_is_audited_with_the_client_address(
    api: Any, admin_user: Any, detected: Any, settings: Any
) -> None:
    # nginx connects from 127.0.0.1 and appends the client: the trail must name the client
    settings.VEIL_BEHIND_PROXY = True
    tool = api(admin_user)
    body = start(tool, detected, default_policy().public_id).json()
    services.run_export(ExportedDataset.objects.get(public_id=body["id"]).pk)
    tool.headers["X-Forwarded-For"] = "10.0.0.1, 198.51.100.7"  # the first is the client's own
    response = tool.get(f"/api/exports/{body['id']}/files/records.jsonl")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = AuditEvent.objects.get(action="export.downloaded")
    assert event.ip_address == "198.51.100.7"
