"""A pipeline's upload inbox in Chromium: an admin chooses a file, ticks "run now", and the run
imports it; the page lists the run and the file by its hash, never by its name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from anonymizer.models import SourceBatch
from anonymizer.pipelines import services
from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_uploads_into_the_inbox_and_runs(
    page: Page, admin_user: Any, tmp_path: Path, settings: Any,
) -> None:
    settings.VEIL_PIPELINE_ROOTS = [str(tmp_path)]
    settings.VEIL_DETECT_ON_IMPORT = False
    folder = tmp_path / "weekly"
    pipeline = services.pipeline_create(
        actor=admin_user, name="weekly", source_dir=str(folder), source_format="csv",
        text_columns=["body"], id_column="ticket_id", data_class="internal",
        purpose="theme_analysis", policy_name="default",
    )
    upload = tmp_path / "smith-complaint.csv"
    upload.write_bytes(b"ticket_id,body\nT1,The app crashes.\nT2,Add a dark mode.\n")
    login(page, admin_user.username)
    page.goto(f"/pipelines/{pipeline.public_id}/")
    page.set_input_files("#inbox-file", str(upload))
    page.get_by_label("Run the pipeline now").check()
    page.get_by_role("button", name="Put into the inbox").click()
    expect(page.get_by_text("1 imported")).to_be_visible()
    expect(page.locator("table.grid").first.locator("tbody tr")).to_have_count(1)
    screenshot(page, "pipeline-inbox")
    assert "smith" not in page.content()
    assert SourceBatch.objects.get().record_count == 2
    assert page.console_errors == []  # type: ignore[attr-defined]
