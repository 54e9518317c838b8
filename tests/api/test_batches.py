"""Batches through the API: the list's filters, ordering and pages; the detail's stage,
progress, tier mix and records by status; the upload (same form and services as the page)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anonymizer.batches import services
from anonymizer.models import SourceBatch
from tests.conftest import SAMPLE_CSV

pytestmark = pytest.mark.django_db


def make(admin: Any, name: str, **kw: Any) -> SourceBatch:
    return services.batch_import(
        actor=admin, data=b"a ticket\nanother ticket\n", name=name, source_format="text_lines",
        data_class=kw.get("data_class", "internal"), purpose=kw.get("purpose", "theme_analysis"),
    )


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [b["name"] for b in response.json()["results"]]


def test_filters_search_ordering_and_pages(api: Any, admin_user: Any, detected: Any) -> None:
    make(admin_user, "Alpha complaints", data_class="confidential")
    old = make(admin_user, "Beta refunds", purpose="case_tracking")
    SourceBatch.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    client = api(admin_user)
    assert names(client.get("/api/batches/")) == ["Alpha complaints", "Sample tickets",
                                                  "Beta refunds"]
    assert names(client.get("/api/batches/", {"data_class": "confidential"})) == [
        "Alpha complaints"
    ]
    assert names(client.get("/api/batches/", {"purpose": "case_tracking"})) == ["Beta refunds"]
    assert names(client.get("/api/batches/", {"search": "TICK"})) == ["Sample tickets"]
    assert names(client.get("/api/batches/", {"stage": "in_review"})) == ["Sample tickets"]
    assert names(client.get("/api/batches/", {"stage": "uploaded"})) == [
        "Alpha complaints", "Beta refunds"
    ]
    since = (timezone.now() - timedelta(days=2)).date().isoformat()
    assert "Beta refunds" not in names(client.get("/api/batches/", {"created_after": since}))
    assert names(client.get("/api/batches/", {"created_before": since})) == ["Beta refunds"]
    assert names(client.get("/api/batches/", {"ordering": "name"}))[0] == "Alpha complaints"
    assert names(client.get("/api/batches/", {"ordering": "-name"}))[0] == "Sample tickets"
    page = client.get("/api/batches/", {"page_size": 1, "page": 2}).json()
    assert page["count"] == 3 and [b["name"] for b in page["results"]] == ["Sample tickets"]
    bad = client.get("/api/batches/", {"stage": "sideways", "created_after": "yesterday"})
    assert bad.status_code == 400 and set(bad.json()["fields"]) == {"stage", "created_after"}


def test_the_detail_shows_stage_progress_tiers_and_detection(
    api: Any, reviewer: Any, detected: Any
) -> None:
    body = api(reviewer).get(f"/api/batches/{detected.public_id}/").json()
    assert body["stage"] == "in_review" and body["status"] == "detected"
    assert body["progress"] == {"unit": "records", "done": 1, "total": 3}  # T3 auto-cleared
    assert body["tiers"] == {"low": 1, "medium": 1, "high": 1}
    assert body["records_by_status"]["auto_cleared"] == 1
    assert body["records_by_status"]["needs_review"] == 2
    detection = body["detection"]
    assert detection["run"] == str(detected.current_run.public_id)
    assert detection["status"] == "done"


def test_an_upload_imports_through_the_page_s_form(api: Any, admin_user: Any) -> None:
    fields = {
        "name": "via the api", "data_class": "personal", "purpose": "theme_analysis",
        "source_format": "auto", "text_columns": "body", "id_column": "ticket_id",
        "file": SimpleUploadedFile("tickets.csv", SAMPLE_CSV),
    }
    tool = api(admin_user, "upload", "read")
    response = tool.client.post("/api/batches/?detect=0", fields, headers=tool.headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["record_count"] == 3 and body["stage"] == "uploaded"
    assert body["detection_run"] is None and body["detection"] is None
    assert body["records_by_status"]["new"] == 3
    assert SourceBatch.objects.get(public_id=body["id"]).source_format == "csv"
    assert b"Jane Roe" not in response.content
    missing = tool.client.post("/api/batches/", {"name": "x"}, headers=tool.headers)
    assert missing.status_code == 400 and "file" in missing.json()["fields"]
