"""Imports stream: memory stays bounded whatever the file, a record limit holds, nothing is
written before the whole file is valid, and the API checks the size as the page does."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anonymizer.batches import services
from anonymizer.batches.ingest import IngestError
from anonymizer.models import Record, SourceBatch

pytestmark = pytest.mark.django_db

META = {"name": "stream", "data_class": "internal", "purpose": "theme_analysis"}


def one_char_lines(path: Path, count: int) -> Path:
    """The issue's shape: a file of one-character lines, each a record."""
    path.write_bytes(b"x\n" * count)
    return path


def peak_import_bytes(actor: Any, path: Path) -> int:
    with path.open("rb") as file:
        tracemalloc.start()
        try:
            batch = services.batch_import(
                actor=actor, data=file, source_format="text_lines", **META
            )
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert batch.records.count() == batch.record_count
    return peak


def test_memory_stays_bounded_whatever_the_file_size(admin_user: Any, tmp_path: Path) -> None:
    line = b"ticket " + b"x" * 292 + b"\n"  # 300 bytes
    small_file, large_file = tmp_path / "small.txt", tmp_path / "large.txt"
    small_file.write_bytes(line * 2_000)
    large_file.write_bytes(line * 24_000)  # 7.2 MB
    small = peak_import_bytes(admin_user, small_file)
    large = peak_import_bytes(admin_user, large_file)
    # Held in memory, the large file's records alone would take more than 10 MB.
    assert large < small + 2_000_000, (small, large)
    assert Record.objects.count() == 26_000


def test_a_record_limit_refuses_a_file_of_too_many_records(
    admin_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_MAX_RECORDS = 1_000
    path = one_char_lines(tmp_path / "many.txt", 50_000)
    with path.open("rb") as file, pytest.raises(IngestError) as excinfo:
        services.batch_import(actor=admin_user, data=file, source_format="text_lines", **META)
    assert "more than 1,000 records" in str(excinfo.value)
    assert "VEIL_MAX_RECORDS" in str(excinfo.value)
    assert not SourceBatch.objects.exists() and not Record.objects.exists()


def test_nothing_is_written_before_the_whole_file_is_valid(admin_user: Any, tmp_path: Path) -> None:
    path = tmp_path / "late.csv"
    path.write_bytes(
        b"id,text\n" + b"".join(b"%d,ticket\n" % i for i in range(9_000)) + b"9,\xff\n"
    )
    with (
        path.open("rb") as file,
        CaptureQueriesContext(connection) as queries,
        pytest.raises(IngestError, match="not valid UTF-8: line 9002"),
    ):
        services.batch_import(
            actor=admin_user, data=file, source_format="csv", id_column="id", **META
        )
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("INSERT")]
    assert writes == []
    assert not SourceBatch.objects.exists()


def test_a_duplicate_id_far_apart_is_found_by_the_database_and_stores_nothing(
    admin_user: Any, tmp_path: Path
) -> None:
    path = tmp_path / "dup.csv"
    rows = b"".join(b"T%d,ticket %d\n" % (i, i) for i in range(1, 7_001))
    path.write_bytes(b"id,text\n" + rows + b"T3,again\n")
    with path.open("rb") as file, pytest.raises(IngestError) as excinfo:
        services.batch_import(
            actor=admin_user, data=file, source_format="csv", id_column="id", **META
        )
    assert str(excinfo.value) == "Row 7001: duplicate id; the same id is already used by row 3."
    assert not SourceBatch.objects.exists() and not Record.objects.exists()


def test_the_api_applies_the_size_limit_of_the_form(
    client: Any, admin_user: Any, settings: Any
) -> None:
    settings.VEIL_MAX_UPLOAD_BYTES = 50
    _, key = services.api_token_create(user=admin_user, name="ci")
    upload = SimpleUploadedFile("t.txt", b"a ticket, " * 6)
    response = client.post(
        "/api/batches/",
        {**META, "source_format": "auto", "file": upload},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 400
    assert response.json()["fields"]["file"] == ["The file is 60 bytes; the limit is 50 bytes."]
    assert not SourceBatch.objects.exists()


def test_the_upload_page_applies_the_record_limit(
    client: Any, admin_user: Any, settings: Any
) -> None:
    settings.VEIL_MAX_RECORDS = 100
    client.force_login(admin_user)
    data = b"id,text\n" + b"".join(b"%d,ticket number %d\n" % (i, i) for i in range(1, 3001))
    response = client.post(
        "/batches/new/",
        {
            **META,
            "source_format": "csv",
            "id_column": "id",
            "file": SimpleUploadedFile("t.csv", data),
        },
    )
    assert response.status_code == 400
    assert "Row 101: the file holds more than 100 records" in response.content.decode()
    assert not SourceBatch.objects.exists() and not Record.objects.exists()
