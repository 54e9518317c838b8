"""The policy editor in real Chromium: choosing an operator shows its parameter fields, a bad
value shows the server's live error, the fixed value clears it, the draft saves, and the
preview shows records original beside transformed under it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from anonymizer.models import Policy
from anonymizer.policies import services as policies
from tests.browser.conftest import login
from tests.review.factories import detect, span_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
T1 = "Hi, I'm Jane Roe, order ORD-123456 is late."


def shot(page: Page, name: str, selector: str | None = None) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SHOTS / f"policy_{name}.png")
    if selector:
        page.locator(selector).screenshot(path=path)
    else:
        page.screenshot(path=path, full_page=False)


def person_row(page: Page) -> Any:
    """The PERSON row, found again after each swap (the live check replaces the row)."""
    row_id = page.locator("tr.rule-row", has=page.locator("input[value=PERSON]")).get_attribute(
        "id")
    return page.locator(f"#{row_id}")


def test_an_officer_edits_a_row_sees_the_live_error_saves_and_previews(
    page: Page, batch: Any, officer: Any
) -> None:
    detect(batch, [("high", [span_at(T1, "Jane Roe", "PERSON", 0.9)]), ("low", []),
                   ("low", [])], prepare=False)
    draft = policies.policy_create(actor=officer, name="support")
    login(page, officer.username)
    page.goto(f"/policies/{draft.public_id}/")
    shot(page, "editor_top")
    row = person_row(page)
    keep_last = row.locator("input[name$='-keep_last']")
    expect(keep_last).to_be_hidden()  # "Replace with type" reads no parameter
    row.locator("select.op").select_option("mask")
    expect(keep_last).to_be_visible()
    expect(row.locator("input[name$='-char']")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the live check of the change has answered
    row.scroll_into_view_if_needed()
    shot(page, "mask_params")

    keep_last.fill("-1")
    keep_last.press("Tab")  # change: htmx posts the form, the server re-renders the row
    error = row.get_by_role("alert")
    expect(error).to_have_text("Keep_last is a whole number of at least 0.")
    expect(row).to_have_class("rule-row has-errors")
    row.scroll_into_view_if_needed()
    shot(page, "live_error")

    fixed = row.locator("input[name$='-keep_last']")
    fixed.fill("3")
    fixed.press("Tab")
    expect(row.get_by_role("alert")).to_have_count(0)
    page.wait_for_load_state("networkidle")
    page.locator(".savebar button[type=submit]").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    assert Policy.objects.get(pk=draft.pk).rules["rules"]["PERSON"] == {
        "operator": "mask", "params": {"keep_last": 3}}

    page.select_option("#preview-batch", str(batch.public_id))
    page.click("#policy-preview-form button[type=submit]")
    first = page.locator(".preview-record").first
    expect(first.locator(".original")).to_contain_text("Jane Roe")
    expect(first.locator(".transformed mark.change")).to_have_text("**** Roe")
    expect(page.locator(".preview-record")).to_have_count(3)
    page.locator("#policy-preview-panel").scroll_into_view_if_needed()
    shot(page, "preview", "#policy-preview-panel")

    page.select_option("#risk-batch", str(batch.public_id))
    page.click("#policy-risk-form button[type=submit]")
    expect(page.locator("#risk-summary")).to_contain_text("3 records of Sample tickets")
    # postcode, a quasi-identifier, is dropped: all three records look alike afterwards.
    expect(page.locator("tr[data-measure=k] td.after")).to_have_text("3")
    shot(page, "risk", "#policy-risk-panel")
    assert page.console_errors == []  # type: ignore[attr-defined]  # no CSP violations
