"""Idempotency-Key on API uploads: a retry never makes a second batch; the same key with
another request is refused; keys are per user and forgotten after 24 hours."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anonymizer.batches import services
from anonymizer.models import IdempotencyKey, SourceBatch
from tests.conftest import SAMPLE_CSV

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(admin_user: Any) -> str:
    return services.api_token_create(user=admin_user, name="ci", scopes=["upload"])[1]


def post(client: Any, key: str, idem: str | None, data: bytes = SAMPLE_CSV, **extra: str) -> Any:
    fields = {
        "name": "retry",
        "data_class": "internal",
        "purpose": "theme_analysis",
        "source_format": "csv",
        "text_columns": "body",
        "file": SimpleUploadedFile("t.csv", data),
        **extra,
    }
    headers = {"Authorization": f"Bearer {key}"}
    if idem is not None:
        headers["Idempotency-Key"] = idem
    return client.post("/api/batches/?detect=0", fields, headers=headers)


def test_a_retry_with_the_same_key_returns_the_first_batch(client: Any, key: str) -> None:
    first = post(client, key, "upload-1")
    again = post(client, key, "upload-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert SourceBatch.objects.count() == 1


def test_without_a_key_each_request_imports(client: Any, key: str) -> None:
    post(client, key, None)
    post(client, key, None)
    assert SourceBatch.objects.count() == 2


def test_the_same_key_with_another_body_is_refused(client: Any, key: str) -> None:
    assert post(client, key, "k").status_code == 201
    other_file = post(client, key, "k", data=SAMPLE_CSV + b"T4,another ticket,X,free\n")
    other_field = post(client, key, "k", name="renamed")
    assert other_file.status_code == other_field.status_code == 422
    assert "different request" in other_file.json()["error"]
    assert SourceBatch.objects.count() == 1


def test_a_retry_after_an_error_gets_the_same_error_and_no_batch(client: Any, key: str) -> None:
    bad = b"ticket_id,body\nT1,fine\nT1,duplicate\n"
    first = post(client, key, "bad-1", data=bad, id_column="ticket_id")
    again = post(client, key, "bad-1", data=bad, id_column="ticket_id")
    assert first.status_code == again.status_code == 400
    assert again.json() == first.json() and "duplicate id" in again.json()["error"]
    assert not SourceBatch.objects.exists()


def test_a_retry_after_the_batch_was_stored_but_the_answer_lost_gets_that_batch(
    client: Any, key: str, admin_user: Any
) -> None:
    # The first request's batch committed, then the process died before it answered.
    first = post(client, key, "crash")
    claim = IdempotencyKey.objects.get(key="crash")
    IdempotencyKey.objects.filter(pk=claim.pk).update(response_status=None, response_body={})
    again = post(client, key, "crash")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert SourceBatch.objects.count() == 1


def test_a_retry_while_the_first_request_runs_is_refused(
    client: Any, key: str, admin_user: Any
) -> None:
    first = post(client, key, "slow")
    IdempotencyKey.objects.filter(key="slow").update(batch=None, response_status=None)
    SourceBatch.objects.filter(public_id=first.json()["id"]).delete()
    response = post(client, key, "slow")
    assert response.status_code == 409
    assert not SourceBatch.objects.exists()


def test_keys_are_per_user_and_forgotten_after_a_day(client: Any, key: str, make_user: Any) -> None:
    other = make_user("adam_admin", "admin")
    _, other_key = services.api_token_create(user=other, name="ci", scopes=["upload"])
    mine = post(client, key, "nightly").json()["id"]
    theirs = post(client, other_key, "nightly").json()["id"]
    assert mine != theirs
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    later = post(client, key, "nightly")
    assert later.status_code == 201 and later.json()["id"] not in (mine, theirs)
    assert SourceBatch.objects.count() == 3


def test_a_malformed_key_is_refused(client: Any, key: str) -> None:
    assert post(client, key, "x" * 201).status_code == 400
    assert post(client, key, "with space").status_code == 400
    assert not SourceBatch.objects.exists()
