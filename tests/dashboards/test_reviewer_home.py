"""The reviewer's part of the home page: the queue per batch by tier, their own throughput and
their agreement with officers, on data made through the review services."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from anonymizer.dashboards import selectors
from review.models import Decision
from tests.dashboards import builders as b
from tests.review.factories import detect, make_batch

pytestmark = pytest.mark.django_db

SIX = ["one", "two", "three", "four", "five", "six"]
# 2 high, 1 medium, 3 low; with sample rate 1.0 the whole low tier is sampled into the queue.
SIX_PLAN = [("high", []), ("high", []), ("medium", []), ("low", []), ("low", []), ("low", [])]


def test_queue_counts_waiting_records_by_tier_per_batch(
    admin_user: Any, reviewer: Any, make_user: Any
) -> None:
    colleague = make_user("carl_colleague", "reviewer")
    mine = make_batch(admin_user, [reviewer, colleague], SIX, name="Shared")
    detect(mine, SIX_PLAN, sample_rate=1.0)
    theirs = make_batch(admin_user, [colleague], ["x"], name="Not mine")
    detect(theirs, [("high", [])])
    # The queue hands out high first, then by record: the reviewer reviews the first high
    # record, the colleague holds the second, the reviewer holds the medium one.
    b.submit(reviewer, b.take(reviewer))
    assert b.take(colleague).batch_id == mine.pk
    assert b.take(reviewer).priority == 1
    rows = selectors.reviewer_queue(reviewer)
    assert [r.batch.name for r in rows] == ["Shared"], "only batches assigned to the reviewer"
    (row,) = rows
    assert (row.high, row.medium, row.sample, row.waiting) == (0, 1, 3, 4)
    assert (row.done, row.escalated, row.returned) == (1, 0, 0)
    chart = selectors.queue_chart(rows)
    assert chart.categories == ["Shared"]
    assert [s.values for s in chart.series] == [[0], [1], [3]]


def test_a_record_another_reviewer_holds_is_not_waiting_for_me(
    admin_user: Any, reviewer: Any, make_user: Any
) -> None:
    colleague = make_user("carl_colleague", "reviewer")
    batch = make_batch(admin_user, [reviewer, colleague], ["a", "b", "c"], name="Three")
    detect(batch, [("high", []), ("high", []), ("medium", [])])
    b.take(colleague)  # the first high record
    mine = b.take(reviewer)  # the second high record
    assert mine.priority == 0
    (row,) = selectors.reviewer_queue(reviewer)
    assert (row.high, row.medium, row.sample, row.waiting) == (1, 1, 0, 2)
    (theirs,) = selectors.reviewer_queue(colleague)
    assert (theirs.high, theirs.medium, theirs.waiting) == (1, 1, 2)


def test_returned_records_are_counted_for_the_reviewer_they_went_back_to(
    admin_user: Any, reviewer: Any, officer: Any
) -> None:
    batch = b.escalations_batch(admin_user, reviewer, 2)
    item = b.escalate(reviewer, b.take(reviewer))
    b.officer_return(officer, b.officer_take(officer, item))
    (row,) = selectors.reviewer_queue(reviewer)
    assert (row.high, row.returned, row.escalated) == (2, 1, 0)
    b.escalate(reviewer, b.take(reviewer))
    (row,) = selectors.reviewer_queue(reviewer)
    assert (row.high, row.returned, row.escalated) == (1, 0, 1)
    assert row.batch == batch


def test_throughput_counts_my_decisions_made_today(
    admin_user: Any, reviewer: Any, make_user: Any
) -> None:
    colleague = make_user("carl_colleague", "reviewer")
    b.escalations_batch(admin_user, reviewer, 4)
    b.escalations_batch(admin_user, colleague, 1, name="Theirs")
    first = b.take(reviewer)
    b.accept(reviewer, first, "PERSON")
    b.reject(reviewer, first, "ORDER_ID")
    b.submit(reviewer, first)  # 2 span decisions (nothing left to accept-all), 1 record
    second = b.take(reviewer)
    b.accept(reviewer, second, "PERSON")
    b.escalate(reviewer, second)  # 1 span decision, 1 record
    b.submit(reviewer, b.take(reviewer))  # an accept-all: 1 span decision, 1 record
    skipped = b.take(reviewer)
    b.services.item_release(actor=reviewer, item=skipped, version=skipped.version)  # no decision
    b.submit(colleague, b.take(colleague))  # someone else's work is not mine
    throughput = selectors.reviewer_throughput(reviewer)
    assert (throughput.today.decisions, throughput.today.records) == (4, 3)
    assert (throughput.week.decisions, throughput.week.records) == (4, 3)
    assert [d.decisions for d in throughput.days] == [0, 0, 0, 0, 0, 0, 4]


def _logged(record: Any, actor: Any, action: str, at: datetime) -> None:
    """A decision with a past time: the log is append-only (a trigger refuses UPDATE), so a
    decision of another day can only be written as it was then."""
    Decision.objects.create(record=record, actor=actor, action=action, at=at, version=1)


def test_throughput_days_and_the_week_from_monday(admin_user: Any, reviewer: Any) -> None:
    batch = b.escalations_batch(admin_user, reviewer, 1)
    record = batch.records.get()
    wednesday = timezone.make_aware(datetime(2030, 1, 9, 12, 0))
    assert wednesday.weekday() == 2
    sunday, monday = wednesday - timedelta(days=3), wednesday - timedelta(days=2)
    for action in ("accept", "reject", "submit"):
        _logged(record, reviewer, action, sunday)  # in the 7 days, not in this week
    for action in ("relabel", "escalate"):
        _logged(record, reviewer, action, monday)
    for action in ("add", "accept_all", "submit", "release", "comment"):
        _logged(record, reviewer, action, wednesday - timedelta(hours=1))
    _logged(record, reviewer, "accept", wednesday - timedelta(days=7))  # before the 7 days
    _logged(record, admin_user, "accept", wednesday - timedelta(hours=1))  # not mine
    throughput = selectors.reviewer_throughput(reviewer, now=wednesday)
    assert (throughput.today.decisions, throughput.today.records) == (2, 1)
    assert (throughput.week.decisions, throughput.week.records) == (3, 2)
    by_day = {d.day.isoformat(): (d.decisions, d.records) for d in throughput.days}
    assert list(by_day) == [f"2030-01-{day:02d}" for day in range(3, 10)]
    assert by_day["2030-01-06"] == (2, 1) and by_day["2030-01-07"] == (1, 1)
    chart = selectors.throughput_chart(throughput)
    assert chart.series[0].values == [0, 0, 0, 2, 1, 0, 2]
    assert chart.series[1].values == [0, 0, 0, 1, 1, 0, 1]
    assert chart.categories[-1] == "Wed 09"


def _escalated(reviewer: Any, decide: Any = None) -> Any:
    item = b.take(reviewer)
    if decide is not None:
        decide(item)
    return b.escalate(reviewer, item)


def test_agreement_with_officers_follows_the_definition(
    admin_user: Any, reviewer: Any, officer: Any
) -> None:
    b.escalations_batch(admin_user, reviewer, 7)

    def accept_both(item: Any) -> None:
        b.accept(reviewer, item, "PERSON")
        b.accept(reviewer, item, "ORDER_ID")

    # 1. The officer resolves, leaving the reviewer's spans as they were: agreed.
    one = b.officer_take(officer, _escalated(reviewer, accept_both))
    b.resolve(officer, one)
    # 2. The officer rejects a span the reviewer accepted: not agreed.
    two = b.officer_take(officer, _escalated(reviewer, accept_both))
    b.reject(officer, two, "ORDER_ID")
    b.resolve(officer, two)
    # 3. The reviewer left the spans undecided; the officer rejects one: agreed.
    three = b.officer_take(officer, _escalated(reviewer))
    b.reject(officer, three, "PERSON")
    b.resolve(officer, three)
    # 4. The officer adds a span that goes out: not agreed.
    four = b.officer_take(officer, _escalated(reviewer, accept_both))
    four.refresh_from_db()
    b.services.span_add(
        actor=officer, item=four, version=four.version, start=43, end=48, label="LOCATION"
    )
    b.resolve(officer, four)
    # 5. The officer rejects then accepts again a span the reviewer accepted: agreed.
    five = b.officer_take(officer, _escalated(reviewer, accept_both))
    b.reject(officer, five, "PERSON")
    b.accept(officer, five, "PERSON")
    b.resolve(officer, five)
    # 6. Returned to the reviewer: not resolved. 7. Still waiting for an officer.
    b.officer_return(officer, b.officer_take(officer, _escalated(reviewer)))
    _escalated(reviewer)
    agreement = selectors.reviewer_agreement(reviewer)
    assert (agreement.resolved, agreement.agreed) == (5, 3)
    assert (agreement.returned, agreement.waiting) == (1, 1)
    assert agreement.rate == 60.0


def test_a_record_returned_then_escalated_again_is_counted_once_per_escalation(
    admin_user: Any, reviewer: Any, officer: Any
) -> None:
    b.escalations_batch(admin_user, reviewer, 1)
    item = _escalated(reviewer)
    b.officer_return(officer, b.officer_take(officer, item))
    again = b.take(reviewer)
    assert again.pk == item.pk
    b.accept(reviewer, again, "PERSON")
    b.reject(reviewer, again, "ORDER_ID")
    b.escalate(reviewer, again)
    taken = b.officer_take(officer, again)
    b.accept(officer, taken, "ORDER_ID")  # the officer undoes the reviewer's reject
    b.resolve(officer, taken)
    agreement = selectors.reviewer_agreement(reviewer)
    assert (agreement.resolved, agreement.agreed, agreement.returned, agreement.waiting) == (
        1, 0, 1, 0,
    )
    assert agreement.rate == 0.0
    assert selectors.reviewer_agreement(officer).resolved == 0
