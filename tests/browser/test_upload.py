from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from anonymizer.models import SourceBatch
from tests.browser.conftest import login, screenshot
from tests.conftest import SAMPLE_CSV

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_admin_logs_in_uploads_a_csv_and_sees_the_batch(
    page: Page, admin_user: Any, tmp_path: Any
) -> None:
    login(page, admin_user.username)
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()  # role home
    page.get_by_role("link", name="Upload a batch").click()

    csv_path = tmp_path / "tickets.csv"
    csv_path.write_bytes(SAMPLE_CSV)
    page.fill("#id_name", "Browser upload")
    page.select_option("#id_data_class", "personal")
    page.select_option("#id_purpose", "case_tracking")
    page.set_input_files("#id_file", str(csv_path))
    # The page reads the CSV header in the browser and lists the columns to choose from.
    expect(page.locator("#csv-columns")).to_contain_text("ticket_id, body, postcode, plan")
    page.fill("#id_text_columns", "body")
    page.fill("#id_id_column", "ticket_id")
    screenshot(page, "upload-form")
    page.click("#upload-form button[type=submit]")

    expect(page.get_by_text("Imported 3 records.")).to_be_visible()
    expect(page.get_by_role("heading", name="Browser upload")).to_be_visible()
    expect(page.locator("table.records tbody tr")).to_have_count(3)
    expect(page.locator("table.records")).to_contain_text("ORD-123456")
    screenshot(page, "batch-detail")
    assert SourceBatch.objects.get(name="Browser upload").record_count == 3
    assert page.console_errors == []  # type: ignore[attr-defined]  # no CSP violations


def test_a_bad_upload_shows_the_error_and_stores_nothing(
    page: Page, admin_user: Any, tmp_path: Any
) -> None:
    login(page, admin_user.username)
    page.goto("/batches/new/")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id,text\n1,fine\n2,\xff broken\n")
    page.fill("#id_name", "Broken")
    page.set_input_files("#id_file", str(bad))
    page.click("#upload-form button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("not valid UTF-8: line 3")
    assert not SourceBatch.objects.exists()


def test_a_reviewer_sees_no_upload_link_and_is_refused(page: Page, reviewer: Any) -> None:
    login(page, reviewer.username)
    expect(page.get_by_role("heading", name="Home", exact=True)).to_be_visible()  # role home
    expect(page.get_by_role("link", name="Upload")).to_have_count(0)
    response = page.goto("/batches/new/")
    assert response is not None and response.status == 403
