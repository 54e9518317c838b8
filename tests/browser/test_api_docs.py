"""The API docs page in real Chromium under the strict CSP: Swagger UI (from the sidecar's
static files, its init script served apart) draws the operations list, with no CSP
violation and no console error; an anonymous visitor goes to the login page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, screenshot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_swagger_ui_draws_the_operations_under_the_csp(page: Page, officer: Any) -> None:
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    login(page, officer.username)
    response = page.goto("/api/docs/")
    assert response is not None and response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible(timeout=15_000)
    expect(page.locator(".opblock-summary-path", has_text="/api/batches/").first).to_be_visible()
    assert operations.count() >= 17
    expect(page.locator(".opblock-tag", has_text="review").first).to_be_visible()
    page.locator(".opblock-summary", has_text="/api/review/next/").first.click()
    expect(page.get_by_text("Lease the next record waiting in your batches").first).to_be_visible()
    screenshot(page, "api-docs")
    assert violations == []
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_the_docs_need_a_login(page: Page) -> None:
    page.goto("/api/docs/")
    assert page.url.split("?")[0].endswith("/accounts/login/")
