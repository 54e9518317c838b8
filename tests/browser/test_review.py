"""The reviewer workspace in real headless Chromium: keyboard-only review, adding a span by
selecting text, rejecting a false positive, escalation to an officer, two reviewers at once,
and a hostile ticket that must execute nothing. Screenshots go to test-artifacts/screenshots."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from anonymizer.models import Record
from review.models import Decision, ReviewItem, ReviewSpan
from tests.browser.conftest import login, screenshot
from tests.review.factories import detect, make_batch

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

TICKETS = [
    "Hi, I'm Jane Roe 🙂 and my order ORD-123456 never came. Call 555-0100 please.",
    "Account ACC12345678 belongs to Tom Lee; he moved to Leeds last spring.",
    "The app crashes on login since Tuesday, no personal details here.",
]
HOSTILE = (
    'Hello <script>window.__pwned = 1; alert("script")</script> '
    '<img src=x onerror="window.__pwned = 2; alert(1)"> '
    '<a href="javascript:alert(3)" id="evil">click me</a> '
    '<svg onload="alert(4)"></svg> from Jane Doe'
)


def at(text: str, needle: str, label: str, score: float) -> tuple[int, int, str, float]:
    start = text.index(needle)
    return (start, start + len(needle), label, score)


@pytest.fixture
def queue(admin_user: Any, reviewer: Any) -> Any:
    batch = make_batch(admin_user, [reviewer], TICKETS, name="Browser tickets")
    detect(
        batch,
        [
            (
                "high",
                [
                    at(TICKETS[0], "Jane Roe", "PERSON", 0.85),
                    at(TICKETS[0], "ORD-123456", "ORDER_ID", 0.55),
                    at(TICKETS[0], "Call", "PERSON", 0.35),  # a false positive
                ],
            ),
            ("medium", [at(TICKETS[1], "Tom Lee", "PERSON", 0.7)]),
            ("medium", []),
        ],
    )
    return batch


def item_of(text: str) -> ReviewItem:
    return ReviewItem.objects.get(record__text=text)


def open_queue(page: Page, username: str) -> None:
    login(page, username)
    page.goto("/review/")
    page.keyboard.press("Enter")  # "Start reviewing" has the focus
    expect(page.locator("#workspace")).to_be_visible()


def wait_saved(page: Page, text: str) -> None:
    expect(page.locator("#flash")).to_contain_text(text)


def test_it_reviews_a_record_with_the_keyboard_only(page: Page, queue: Any, reviewer: Any) -> None:
    open_queue(page, reviewer.username)
    expect(page.locator("h1")).to_contain_text("Record 1")  # high tier first
    expect(page.locator("mark[data-label=PERSON]").first).to_be_visible()
    screenshot(page, "review-record-before")
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    screenshot(page, "review-help-overlay")
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()
    page.keyboard.press("a")  # accept "Jane Roe" (lowest pending first is the first span)
    wait_saved(page, "span accepted")
    page.keyboard.press("t")  # change the order id's type
    page.keyboard.press("End")  # any type: pick one with the keyboard
    page.select_option("#relabel-label", "ACCOUNT_ID")
    page.keyboard.press("Enter")
    wait_saved(page, "type changed")
    page.keyboard.press("j")
    page.keyboard.press("x")  # "Call" is not a person
    wait_saved(page, "span rejected")
    screenshot(page, "review-record-decided")
    page.keyboard.press("s")
    expect(page.locator("h1")).to_contain_text("Record 2")
    item = item_of(TICKETS[0])
    assert item.state == "done" and Record.objects.get(pk=item.record_id).status == "reviewed"
    spans = {(s.label, s.status) for s in ReviewSpan.objects.filter(item=item)}
    assert spans == {("PERSON", "accepted"), ("ACCOUNT_ID", "accepted"), ("PERSON", "rejected")}
    actions = list(Decision.objects.filter(item=item).values_list("action", flat=True))
    assert actions == ["accept", "relabel", "reject", "submit"]
    assert page.console_errors == []  # type: ignore[attr-defined]


def select_text(page: Page, needle: str) -> None:
    """Select `needle` inside the record text, as a mouse drag would."""
    page.evaluate(
        """needle => {
            const box = document.getElementById('record-text');
            const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
            let node;
            while ((node = walker.nextNode())) {
                const i = node.data.indexOf(needle);
                if (i >= 0) {
                    const range = document.createRange();
                    range.setStart(node, i);
                    range.setEnd(node, i + needle.length);
                    const sel = window.getSelection();
                    sel.removeAllRanges();
                    sel.addRange(range);
                    return;
                }
            }
            throw new Error('not found');
        }""",
        needle,
    )


def test_it_adds_a_missed_span_by_selecting_text(page: Page, queue: Any, reviewer: Any) -> None:
    open_queue(page, reviewer.username)
    select_text(page, "555-0100")  # after an emoji: offsets must count code points
    page.keyboard.press("n")
    expect(page.locator("#add-find")).to_have_value("555-0100")
    page.select_option("#add-label", "PHONE_NUMBER")
    page.keyboard.press("Enter")
    wait_saved(page, "span added")
    expect(page.locator("mark[data-label=PHONE_NUMBER]")).to_have_text("555-0100")
    screenshot(page, "review-record-span-added")
    added = ReviewSpan.objects.get(origin="added")
    assert TICKETS[0][added.start : added.end] == "555-0100" and added.label == "PHONE_NUMBER"
    # By keyboard alone: type the words to find instead of selecting them.
    page.keyboard.press("n")
    page.keyboard.type("never came")
    expect(page.locator("#add-where")).to_contain_text("offsets")
    page.keyboard.press("Tab")
    page.select_option("#add-label", "DATE_TIME")
    page.keyboard.press("Enter")
    expect(page.locator("mark[data-label=DATE_TIME]")).to_have_text("never came")
    second = ReviewSpan.objects.get(origin="added", label="DATE_TIME")
    assert TICKETS[0][second.start : second.end] == "never came"


def test_it_rejects_a_false_positive(page: Page, queue: Any, reviewer: Any) -> None:
    open_queue(page, reviewer.username)
    page.locator("mark", has_text="Call").click()
    expect(page.locator("#editor-current")).to_contain_text("PERSON")
    page.locator(".span-row.current .act-reject").click()
    wait_saved(page, "span rejected")
    expect(page.locator("mark.st-rejected")).to_have_text("Call")
    span = ReviewSpan.objects.get(
        item=item_of(TICKETS[0]), label="PERSON", start=TICKETS[0].index("Call")
    )
    assert span.status == "rejected"
    decision = Decision.objects.get(action="reject")
    assert decision.before["status"] == "pending" and decision.after["status"] == "rejected"
    assert "Call" not in str(decision.before) + str(decision.after)


def test_escalate_then_resolve_as_an_officer(
    browser: Browser, page: Page, live_server: Any, queue: Any, reviewer: Any, officer: Any
) -> None:
    open_queue(page, reviewer.username)
    page.keyboard.press("e")
    page.keyboard.type("Is ORD-123456 a customer id? Not sure what to do.")
    page.keyboard.press("Control+Enter")
    expect(page.locator("h1")).to_contain_text("Record 2")
    expect(page.locator(".messages")).to_contain_text("escalated")
    item = item_of(TICKETS[0])
    assert item.state == "escalated"

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    officer_page = context.new_page()
    try:
        login(officer_page, officer.username)
        officer_page.goto("/review/escalations/")
        expect(officer_page.locator("table")).to_contain_text("Not sure what to do.")
        officer_page.get_by_role("link", name="1").click()
        expect(officer_page.locator("h1")).to_contain_text("Record 1")
        officer_page.wait_for_load_state("load")
        officer_page.keyboard.press("t")  # take the escalation
        expect(officer_page.locator("#officer-note")).to_be_visible()
        officer_page.keyboard.press("A")  # Shift+A: accept all remaining
        wait_saved(officer_page, "all remaining spans accepted")
        officer_page.keyboard.press("c")
        officer_page.keyboard.type("Yes, an order id: keep it masked.")
        officer_page.keyboard.press("Escape")
        screenshot(officer_page, "review-officer-escalation")
        officer_page.keyboard.press("m")
        expect(officer_page.locator(".messages")).to_contain_text("marked reviewed")
    finally:
        context.close()
    item.refresh_from_db()
    assert item.state == "done"
    resolve = Decision.objects.get(item=item, action="resolve")
    assert resolve.actor == officer and resolve.reason == "Yes, an order id: keep it masked."


def test_two_reviewers_asking_at_once_get_different_records(
    browser: Browser, live_server: Any, queue: Any, reviewer: Any, make_user: Any, admin_user: Any
) -> None:
    from anonymizer.batches import services as batch_services

    other = make_user("rob_reviewer", "reviewer")
    batch_services.batch_assign_reviewers(
        actor=admin_user, batch=queue, reviewers=[reviewer, other]
    )
    pages = []
    contexts = []
    for user in (reviewer, other):
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        p = context.new_page()
        login(p, user.username)
        p.goto("/review/")
        pages.append(p)
    try:
        for p in pages:  # both forms submitted before either answer arrives
            p.evaluate("document.getElementById('next-form').requestSubmit()")
        for p in pages:
            p.wait_for_url("**/review/records/**")
            expect(p.locator("#workspace")).to_be_visible()
        urls = {p.url for p in pages}
        assert len(urls) == 2
        holders = set(ReviewItem.objects.exclude(holder=None).values_list("holder_id", flat=True))
        assert holders == {reviewer.pk, other.pk}
    finally:
        for c in contexts:
            c.close()


def test_a_hostile_ticket_executes_nothing(page: Page, admin_user: Any, reviewer: Any) -> None:
    batch = make_batch(admin_user, [reviewer], [HOSTILE], name="Hostile")
    detect(
        batch,
        [("high", [at(HOSTILE, "Jane Doe", "PERSON", 0.8), at(HOSTILE, "click me", "URL", 0.3)])],
    )
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    open_queue(page, reviewer.username)
    text = page.locator("#record-text")
    expect(text).to_contain_text('<script>window.__pwned = 1; alert("script")</script>')
    expect(text).to_contain_text('<img src=x onerror="window.__pwned = 2; alert(1)">')
    assert (
        page.locator(
            "#record-text script, #record-text img, #record-text a, #record-text svg"
        ).count()
        == 0
    )
    page.locator("mark", has_text="click me").click()
    page.keyboard.press("a")
    wait_saved(page, "span accepted")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []
    screenshot(page, "review-record-hostile")
