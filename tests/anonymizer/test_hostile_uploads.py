"""Hostile uploads through the JSON API, each imported correctly or refused with a clear error
that quotes none of the file and leaves no batch and no records behind.

The files are built here (tests/fixtures/hostile/make_files.py writes the same set to disk for
trying them by hand): wrong encodings, BOMs, malformed CSV/JSON/JSONL, NUL bytes and escapes,
lone surrogates, huge lines, archives and a zip bomb, deep nesting, duplicate and missing
columns, no header row, formula injection, script in text, empty and blank files, mixed
newlines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from anonymizer.batches import services
from anonymizer.models import Record, SourceBatch
from tests.fixtures.hostile.make_files import SECRET, HostileFile, hostile_files

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Upload:
    status: int
    body: dict[str, Any]
    content: bytes


def upload(client: Any, key: str, case: HostileFile) -> Upload:
    fields = {
        "name": f"hostile {case.name}",
        "data_class": "confidential",
        "purpose": "theme_analysis",
        "source_format": case.source_format,
        "file": SimpleUploadedFile(case.name, case.data),
        **case.fields,
    }
    response = client.post(
        "/api/batches/?detect=0", fields, headers={"Authorization": f"Bearer {key}"}
    )
    return Upload(response.status_code, response.json(), response.content)


@pytest.fixture
def key(admin_user: Any) -> str:
    return services.api_token_create(user=admin_user, name="hostile", scopes=["upload"])[1]


REFUSED = [case for case in hostile_files() if case.refused]
ACCEPTED = [case for case in hostile_files() if not case.refused]


def test_the_set_is_large_enough() -> None:
    assert len(REFUSED) + len(ACCEPTED) >= 39
    assert len({case.name for case in hostile_files()}) == len(hostile_files())


@pytest.mark.parametrize("case", REFUSED, ids=lambda c: c.name)
def test_it_refuses_the_file_clearly_and_stores_nothing(
    client: Any, key: str, case: HostileFile
) -> None:
    result = upload(client, key, case)
    assert result.status == 400, result.body
    message = " ".join([result.body["error"], *sum(result.body.get("fields", {}).values(), [])])
    assert case.expect in message
    assert SECRET.encode() not in result.content
    assert SourceBatch.objects.count() == 0
    assert Record.objects.count() == 0


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda c: c.name)
def test_it_imports_the_file_exactly(client: Any, key: str, case: HostileFile) -> None:
    result = upload(client, key, case)
    assert result.status == 201, result.body
    batch = SourceBatch.objects.get(public_id=result.body["id"])
    records = list(batch.records.order_by("position"))
    assert [r.text for r in records] == case.texts
    assert batch.record_count == len(records) == len(case.texts)
    if case.record_fields is not None:
        assert [r.fields for r in records] == case.record_fields


def test_script_in_text_is_shown_escaped(client: Any, key: str, admin_user: Any) -> None:
    (case,) = [c for c in ACCEPTED if c.name == "script_in_text.jsonl"]
    batch_id = upload(client, key, case).body["id"]
    client.force_login(admin_user)
    page = client.get(f"/batches/{batch_id}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
