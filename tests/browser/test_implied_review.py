"""A record whose implied-identifier phrases start where detections start and overlap each
other, detected by the real analyzer and opened by a reviewer in Chromium: the phrases are
underlined around their detections, the text reads as written (no piece lost or doubled by
the layering), origin is named as such, and nothing errs on the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from anonymizer.detection import services as detection
from tests.browser.conftest import login, screenshot
from tests.inline_jobs import run_detection
from tests.review.factories import make_batch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = ("The applicant is a Russian national of Chechen origin who was born in 1983 and lives "
        "in Grozny. Her son is 79 years old? No: her father is 79 years old and was detained "
        "at Chernokozovo prison in 2000.")


def test_overlapping_phrases_render_whole_for_the_reviewer(
    page: Page, admin_user: Any, reviewer: Any,
) -> None:
    batch = make_batch(admin_user, [reviewer], [TEXT], name="Implied layering")
    run_detection(detection.detection_start(actor=admin_user, batch=batch))
    login(page, reviewer.username)
    page.goto("/review/")
    page.keyboard.press("Enter")
    text = page.locator("#record-text")
    expect(text).to_be_visible()
    assert text.inner_text().replace("\n", " ").strip() == TEXT
    implied = page.locator("#record-text mark.implied")
    assert implied.count() >= 2
    labels = {implied.nth(i).get_attribute("data-label") for i in range(implied.count())}
    assert "QUASI_ORIGIN" in labels
    assert "Origin or belief" in page.locator("main").inner_text()
    screenshot(page, "implied-layering")
    assert page.console_errors == []  # type: ignore[attr-defined]
