"""/api/pipelines/: officers and admins read pipelines and their runs; an admin's token with
the upload scope puts a file into a pipeline's inbox (and runs it); nobody else does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from anonymizer.models import SourceBatch
from anonymizer.pipelines import services
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CSV = b"ticket_id,body\nT1,The app crashes.\nT2,Please add a dark mode.\n"


@pytest.fixture
def pipeline(admin_user: Any, tmp_path: Path, settings: Any) -> Any:
    settings.VEIL_PIPELINE_ROOTS = [str(tmp_path)]
    settings.VEIL_DETECT_ON_IMPORT = False
    return services.pipeline_create(
        actor=admin_user, name="weekly", source_dir=str(tmp_path / "in"), source_format="csv",
        text_columns=["body"], id_column="ticket_id", data_class="internal",
        purpose="theme_analysis", policy_name="default", utility_label="topic",
    )


def upload(client: Any, pipeline: Any, data: bytes, **extra: str) -> Any:
    return client.client.post(f"/api/pipelines/{pipeline.public_id}/inbox/",
                              {"file": SimpleUploadedFile("smith.csv", data), **extra},
                              headers=client.headers)


def test_an_admin_puts_a_file_into_the_inbox_and_runs_it(
    api: Any, admin_user: Any, pipeline: Any, tmp_path: Path,
) -> None:
    client = api(admin_user)
    sent = upload(client, pipeline, CSV, run="true")
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert len(body["sha256"]) == 64 and body["run"]["files_imported"] == 1
    assert [p.name.startswith("upload-") for p in (tmp_path / "in").iterdir()] == [True]
    assert SourceBatch.objects.count() == 1
    again = upload(client, pipeline, CSV)
    assert again.status_code == 400 and "already" in again.json()["error"]
    listed = client.get("/api/pipelines/").json()
    assert [p["name"] for p in listed["results"]] == ["weekly"]
    detail = client.get(f"/api/pipelines/{pipeline.public_id}/").json()
    assert detail["utility_label"] == "topic" and detail["runs"][0]["status"] == "succeeded"
    assert AuditEvent.objects.filter(action="pipeline.file_uploaded").count() == 1


def test_who_may_read_and_upload(api: Any, admin_user: Any, officer: Any, reviewer: Any,
                                 pipeline: Any) -> None:
    assert api(officer).get(f"/api/pipelines/{pipeline.public_id}/").status_code == 200
    assert upload(api(officer), pipeline, CSV).status_code == 403  # officers only read
    assert api(reviewer).get("/api/pipelines/").status_code == 403
    assert api(reviewer).get(f"/api/pipelines/{pipeline.public_id}/").status_code == 404
    assert upload(api(admin_user, "read"), pipeline, CSV).status_code == 403  # no upload scope
    missing = upload(api(admin_user), pipeline, b"")
    assert missing.status_code == 400 and "fields" in missing.json()
