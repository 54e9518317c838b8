from __future__ import annotations

from typing import Any

import django_rq
import pytest
from playwright.sync_api import Page, expect

from anonymizer.batches.demo import demo_tickets, tickets_to_csv
from anonymizer.models import RiskAssessment, SourceBatch
from tests.browser.conftest import login, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
]


def test_uploaded_batch_is_detected_by_a_worker_while_the_page_shows_progress(
    page: Page, admin_user: Any, workers: Any, tmp_path: Any, redis_conn: Any
) -> None:
    django_rq.get_queue("detection").empty()
    path = tmp_path / "tickets.csv"
    path.write_bytes(tickets_to_csv(demo_tickets(60, seed=9)))
    login(page, admin_user.username)
    page.goto("/batches/new/")
    page.fill("#id_name", "Progress demo")
    page.select_option("#id_purpose", "external_sharing")
    page.set_input_files("#id_file", str(path))
    page.fill("#id_text_columns", "text")
    page.fill("#id_id_column", "ticket_id")
    page.click("#upload-form button[type=submit]")
    progress = page.locator("#detection-progress")
    expect(progress).to_contain_text("/ 60 records")
    expect(progress).to_contain_text("Running")
    workers()  # the page keeps polling with htmx while a real worker detects the batch
    expect(progress).to_contain_text("Done", timeout=120_000)
    expect(progress).to_contain_text("60 / 60 records")
    page.reload()
    expect(page.locator(".tier").first).to_be_visible()
    screenshot(page, "batch-detected")
    batch = SourceBatch.objects.get(name="Progress demo")
    assert RiskAssessment.objects.filter(run=batch.current_run).count() == 60
    assert page.console_errors == []  # type: ignore[attr-defined]
