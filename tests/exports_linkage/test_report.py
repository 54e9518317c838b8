"""The export's report: a page and a self-contained printable file, figures only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from anonymizer.exports import report
from anonymizer.exports import services as export
from anonymizer.models import Record
from anonymizer.policies.selectors import default_policy

pytestmark = pytest.mark.django_db


def test_the_report_page_and_file(batch: Any, admin_user: Any, officer: Any, tmp_path: Path,
                                  settings: Any) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    Record.objects.filter(batch=batch).update(status="reviewed")
    started = export.export_start(actor=admin_user, batch=batch, policy=default_policy(),
                                  enqueue=False)
    done = export.run_export(started.pk)
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("export_report", args=[done.public_id]))
    assert page.status_code == 200
    for section in (b"What was exported", b"What was applied", b"Privacy guarantees reached",
                    b"What it cost the data", b"records.jsonl"):
        assert section in page.content
    assert b"Jane Roe" not in page.content  # figures only, never record text
    done.manifest["operators"] = {"PERSON:replace": 3, "EMAIL_ADDRESS:surrogate": 1}
    rows = report.export_report(done)["operator_rows"]  # shown as words, type and operator
    assert rows == [("EMAIL_ADDRESS", "surrogate", 1), ("PERSON", "replace", 3)]
    file = client.get(reverse("export_report", args=[done.public_id]), {"download": "1"})
    assert file["Content-Disposition"].startswith("attachment;")
    body = file.content.decode()
    assert "<style>" in body and "@media print" in body and "<script" not in body
    assert done.manifest["files"]["records.jsonl"]["sha256"] in body
