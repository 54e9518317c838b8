"""Importing through the service, the command and the API: one code path, all or nothing."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from anonymizer.batches import services
from anonymizer.batches.ingest import FORMATS, IngestError
from anonymizer.models import Record, SourceBatch
from tests.conftest import SAMPLE_CSV

pytestmark = pytest.mark.django_db


def import_(actor: Any, data: bytes, fmt: str = "csv", **kw: Any) -> SourceBatch:
    defaults = {"name": "b", "data_class": "internal", "purpose": "case_tracking"}
    return services.batch_import(actor=actor, data=data, source_format=fmt, **{**defaults, **kw})


def test_it_stores_the_batch_and_its_records(admin_user: Any) -> None:
    batch = import_(admin_user, SAMPLE_CSV, text_columns=["body"], id_column="ticket_id")
    assert batch.record_count == 3
    assert batch.structured_columns == ["postcode", "plan"]
    records = list(batch.records.order_by("position"))
    assert [r.external_id for r in records] == ["T1", "T2", "T3"]
    assert records[2].text == "Line one\nline two, with a comma"
    assert records[0].fields == {"postcode": "SW1A 1AA", "plan": "pro"}
    assert batch.char_count == sum(len(r.text) for r in records)
    assert batch.created_by == admin_user and batch.status == "imported"


def test_a_late_error_stores_nothing(admin_user: Any) -> None:
    rows = "".join(f"{i},ticket {i}\n" for i in range(5000)) + "17,duplicate\n"
    with pytest.raises(IngestError, match="Row 5001: duplicate id"):
        import_(admin_user, f"id,text\n{rows}".encode(), id_column="id")
    assert SourceBatch.objects.count() == 0 and Record.objects.count() == 0


def test_the_database_refuses_a_duplicate_external_id(batch: SourceBatch) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Record.objects.create(batch=batch, position=99, external_id="T1", text="again")


def test_the_database_refuses_empty_text_and_bad_choices(batch: SourceBatch) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Record.objects.create(batch=batch, position=98, external_id="E", text="")
    with pytest.raises(IntegrityError), transaction.atomic():
        SourceBatch.objects.filter(pk=batch.pk).update(data_class="secret")


class TestArbitraryBytesImport(HypothesisTestCase):
    """Any input is imported whole or refused, and a refusal leaves no batch behind."""

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.binary(max_size=400), fmt=st.sampled_from(FORMATS))
    def test_it(self, data: bytes, fmt: str) -> None:
        from django.contrib.auth.models import User

        actor, _ = User.objects.get_or_create(username="hyp")
        before = SourceBatch.objects.count()
        try:
            batch = import_(actor, data, fmt)
        except IngestError:
            assert SourceBatch.objects.count() == before
            return
        assert batch.records.count() == batch.record_count > 0


def run_import(*args: str) -> list[str]:
    out = StringIO()
    call_command("import_batch", *args, "--no-progress", stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()


def test_command_prints_the_batch_id_alone_on_the_last_line(admin_user: Any, tmp_path: Any) -> None:
    path = tmp_path / "tickets.jsonl"
    path.write_text('{"id": "a", "text": "one"}\n{"id": "b", "text": "two", "plan": "x"}\n')
    lines = run_import(
        str(path), "--name", "cli", "--data-class", "personal", "--purpose", "model_training"
    )
    batch = SourceBatch.objects.get(public_id=lines[-1])
    assert batch.record_count == 2 and batch.source_format == "jsonl"
    assert batch.created_by == admin_user


def test_command_reads_csv_columns(admin_user: Any, tmp_path: Any) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(SAMPLE_CSV)
    lines = run_import(
        str(path),
        "--name",
        "csv",
        "--data-class",
        "public",
        "--purpose",
        "theme_analysis",
        "--text-column",
        "body",
        "--id-column",
        "ticket_id",
    )
    assert SourceBatch.objects.get(public_id=lines[-1]).structured_columns == ["postcode", "plan"]


def test_command_fails_clearly_and_stores_nothing(admin_user: Any, tmp_path: Any) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id,text\n1,fine\n2,\xff\xfe\n")
    with pytest.raises(CommandError, match="not valid UTF-8: line 3"):
        run_import(
            str(path), "--name", "x", "--data-class", "public", "--purpose", "theme_analysis"
        )
    assert not SourceBatch.objects.exists()


def test_command_refuses_a_file_over_the_size_limit(
    admin_user: Any, tmp_path: Any, settings: Any
) -> None:
    settings.VEIL_MAX_UPLOAD_BYTES = 10
    path = tmp_path / "big.txt"
    path.write_text("one ticket that is longer than ten bytes\n")
    with pytest.raises(CommandError, match="limit is 10 bytes"):
        run_import(
            str(path), "--name", "x", "--data-class", "public", "--purpose", "theme_analysis"
        )


# --- JSON API ---------------------------------------------------------------------------


def api_post(client: Any, key: str | None, **fields: Any) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return client.post("/api/batches/", fields, headers=headers)


def upload_fields(data: bytes, name: str = "tickets.csv", **extra: Any) -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "name": "via api",
        "data_class": "confidential",
        "purpose": "external_sharing",
        "source_format": "auto",
        "file": SimpleUploadedFile(name, data),
        **extra,
    }


def test_api_creates_a_batch_with_a_valid_token(client: Any, admin_user: Any) -> None:
    _, key = services.api_token_create(user=admin_user, name="ci")
    response = api_post(
        client, key, **upload_fields(SAMPLE_CSV, text_columns="body", id_column="ticket_id")
    )
    assert response.status_code == 201, response.content
    body = response.json()
    batch = SourceBatch.objects.get(public_id=body["id"])
    assert body["record_count"] == batch.records.count() == 3
    detail = client.get(f"/api/batches/{body['id']}/", headers={"Authorization": f"Bearer {key}"})
    assert detail.json()["records_by_status"]["new"] == 3


def test_api_refuses_missing_bad_or_revoked_tokens(client: Any, admin_user: Any) -> None:
    from django.utils import timezone

    assert api_post(client, None, **upload_fields(SAMPLE_CSV)).status_code == 401
    assert api_post(client, "veil_wrong", **upload_fields(SAMPLE_CSV)).status_code == 401
    token, key = services.api_token_create(user=admin_user, name="old")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    assert api_post(client, key, **upload_fields(SAMPLE_CSV)).status_code == 401
    assert not SourceBatch.objects.exists()


def test_api_refuses_a_reviewer_and_hides_unassigned_batches(
    client: Any, outsider: Any, batch: SourceBatch
) -> None:
    _, key = services.api_token_create(user=outsider, name="r")
    response = api_post(client, key, **upload_fields(SAMPLE_CSV))
    assert response.status_code == 403
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get(f"/api/batches/{batch.public_id}/", headers=auth).status_code == 404
    assert client.get("/api/batches/", headers=auth).json()["results"] == []


def test_api_reports_ingest_errors_without_echoing_text(client: Any, admin_user: Any) -> None:
    _, key = services.api_token_create(user=admin_user, name="ci")
    data = json.dumps({"id": 1, "text": "Zebulon Quackenbush"}).encode() + b"\n{oops Zebulon\n"
    response = api_post(client, key, **upload_fields(data, name="x.jsonl"))
    assert response.status_code == 400
    assert "Line 2 is not valid JSON" in response.json()["error"]
    assert b"Zebulon" not in response.content
    assert not SourceBatch.objects.exists()
