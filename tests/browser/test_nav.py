"""The top bar in Chromium: the everyday pages in a row that fits a laptop screen, the
governance pages in one menu that opens without JavaScript, shown only to roles that may use
one of them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_governance_menu_opens_and_leads_to_its_pages(
    page: Page, officer: Any, live_server: Any
) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, officer.username)
    bar = page.locator("header.topbar")
    box = bar.bounding_box()
    assert box is not None and box["height"] < 60  # one line, not wrapped
    policies = page.get_by_role("link", name="Policies")
    expect(policies).to_be_hidden()  # folded in the menu
    page.get_by_text("Governance", exact=True).click()
    expect(policies).to_be_visible()
    expect(page.get_by_role("link", name="Audit")).to_be_visible()
    screenshot(page, "nav-governance-open")
    policies.click()
    expect(page).to_have_url(f"{live_server.url}/policies/")
    expect(page.get_by_role("link", name="Help")).to_be_visible()


def test_a_reviewer_sees_no_governance_menu(page: Page, reviewer: Any) -> None:
    login(page, reviewer.username)
    expect(page.get_by_role("link", name="Review", exact=True)).to_be_visible()
    expect(page.get_by_text("Governance", exact=True)).to_have_count(0)
