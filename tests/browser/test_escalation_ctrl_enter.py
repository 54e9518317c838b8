"""An officer's note on an escalation sent with Ctrl+Enter, in real headless Chromium: the
officer form names its action on its buttons, so the keyboard must send one of them (the
comment by default, the return after u asked for a note)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from review import services
from review.models import Decision, ItemState, ReviewItem
from tests.browser.conftest import login
from tests.review.factories import detect, make_batch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXT = "Order ORD-123456 for Jane Roe never arrived."


@pytest.fixture
def escalated(admin_user: Any, reviewer: Any) -> ReviewItem:
    batch = make_batch(admin_user, [reviewer], [TEXT], name="Escalations")
    start = TEXT.index("ORD-123456")
    detect(batch, [("high", [(start, start + 10, "ORDER_ID", 0.5)])])
    item = services.queue_next(reviewer=reviewer)
    assert item is not None
    return services.item_escalate(
        actor=reviewer, item=item, version=item.version, note="Is this a customer id?"
    )


def take(page: Page, officer: Any, item: ReviewItem) -> None:
    login(page, officer.username)
    page.goto(f"/review/records/{item.public_id}/")
    page.wait_for_load_state("load")
    page.keyboard.press("t")
    expect(page.locator("#officer-note")).to_be_visible()


def test_it_sends_an_officer_comment_with_ctrl_enter(
    page: Page, escalated: ReviewItem, officer: Any
) -> None:
    take(page, officer, escalated)
    page.keyboard.press("c")
    page.keyboard.type("Keep the order id masked.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("#flash")).to_contain_text("Saved: comment added")
    expect(page.locator("#flash")).not_to_contain_text("incomplete")
    comment = Decision.objects.get(item=escalated, action="comment")
    assert comment.actor == officer and comment.reason == "Keep the order id masked."
    escalated.refresh_from_db()
    assert escalated.state == ItemState.ESCALATED and escalated.holder == officer


def test_ctrl_enter_after_u_returns_the_record_with_the_note(
    page: Page, escalated: ReviewItem, officer: Any, reviewer: Any
) -> None:
    take(page, officer, escalated)
    page.keyboard.press("u")  # no note yet: the note box gets the focus
    expect(page.locator("#officer-note")).to_be_focused()
    page.keyboard.type("Mask it and submit.")
    page.keyboard.press("Control+Enter")
    expect(page.locator(".messages")).to_contain_text("returned to the reviewer")
    returned = Decision.objects.get(item=escalated, action="return")
    assert returned.reason == "Mask it and submit."
    assert not Decision.objects.filter(item=escalated, action="comment").exists()
    escalated.refresh_from_db()
    assert escalated.state == ItemState.OPEN and escalated.returned_to == reviewer
