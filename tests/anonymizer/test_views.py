from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from guardian.shortcuts import get_objects_for_user

from anonymizer.models import SourceBatch
from tests.conftest import SAMPLE_CSV

pytestmark = pytest.mark.django_db


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_admin_uploads_a_csv_and_sees_its_records(admin_user: Any) -> None:
    client = logged_in(admin_user)
    response = client.post(
        "/batches/new/",
        {
            "name": "Uploaded",
            "data_class": "regulated",
            "purpose": "model_training",
            "source_format": "auto",
            "text_columns": "body",
            "id_column": "ticket_id",
            "file": SimpleUploadedFile("t.csv", SAMPLE_CSV),
        },
    )
    batch = SourceBatch.objects.get(name="Uploaded")
    assert response.status_code == 302 and response["Location"] == f"/batches/{batch.public_id}/"
    page = client.get(response["Location"]).content.decode()
    assert "Imported 3 records." in page
    assert "ORD-123456" in page and "SW1A 1AA" in page and "postcode, plan" in page


def test_upload_errors_are_shown_on_the_form_and_store_nothing(admin_user: Any) -> None:
    response = logged_in(admin_user).post(
        "/batches/new/",
        {
            "name": "Broken",
            "data_class": "public",
            "purpose": "theme_analysis",
            "source_format": "csv",
            "file": SimpleUploadedFile("t.csv", b"id,text\n1,ok\n1,again\n"),
            "id_column": "id",
        },
    )
    assert response.status_code == 400
    assert "Row 2: duplicate id" in response.content.decode()
    assert not SourceBatch.objects.exists()


def test_hostile_html_in_a_ticket_is_shown_as_text(admin_user: Any) -> None:
    data = b'id,text\n1,"<script>alert(1)</script><img src=x onerror=alert(2)>"\n'
    client = logged_in(admin_user)
    client.post(
        "/batches/new/",
        {
            "name": "h",
            "data_class": "public",
            "purpose": "theme_analysis",
            "source_format": "csv",
            "id_column": "id",
            "file": SimpleUploadedFile("h.csv", data),
        },
    )
    page = client.get(f"/batches/{SourceBatch.objects.get().public_id}/").content.decode()
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    assert "<img src=x" not in page


def test_admin_assigns_reviewers_and_reviewers_see_only_their_batches(
    admin_user: Any, reviewer: Any, outsider: Any, batch: SourceBatch
) -> None:
    assert list(get_objects_for_user(outsider, "anonymizer.view_sourcebatch", SourceBatch)) == []
    assert b"Sample tickets" not in logged_in(outsider).get("/").content
    assert b"Sample tickets" in logged_in(reviewer).get("/").content

    response = logged_in(admin_user).post(
        f"/batches/{batch.public_id}/reviewers/", {"reviewers": [outsider.pk]}
    )
    assert response.status_code == 302
    assert logged_in(outsider).get(f"/batches/{batch.public_id}/").status_code == 200
    assert logged_in(reviewer).get(f"/batches/{batch.public_id}/").status_code == 404
    assert outsider.has_perm("anonymizer.review_sourcebatch", batch)


def test_only_reviewers_can_be_assigned(admin_user: Any, officer: Any, batch: SourceBatch) -> None:
    logged_in(admin_user).post(
        f"/batches/{batch.public_id}/reviewers/", {"reviewers": [officer.pk]}
    )
    assert not officer.has_perm("anonymizer.review_sourcebatch", batch)


def test_groups_exist_after_migrate() -> None:
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {
        "reviewer",
        "privacy_officer",
        "admin",
    }


def test_seed_demo_creates_one_user_per_role_and_a_batch_once(capsys: Any) -> None:
    from django.contrib.auth import get_user_model

    call_command("seed_demo", "--records", "25")
    out = capsys.readouterr().out
    assert out.count("password") >= 4
    users = get_user_model().objects.order_by("username")
    assert [(u.username, u.groups.get().name) for u in users] == [
        ("demo_admin", "admin"),
        ("demo_approver", "privacy_officer"),
        ("demo_officer", "privacy_officer"),
        ("demo_reviewer", "reviewer"),
    ]
    batch = SourceBatch.objects.get()
    assert batch.record_count == 25 and "birth_year" in batch.structured_columns
    call_command("seed_demo")
    assert "no demo data" in capsys.readouterr().out
    assert SourceBatch.objects.count() == 1
