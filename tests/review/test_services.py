from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from anonymizer.batches import services as batch_services
from anonymizer.models import Record
from audit.models import AuditEvent
from review import services
from review.models import AppendOnlyError, Decision, ReviewItem, ReviewSpan
from review.selectors import reviewed_spans_for_records
from tests.review.factories import detect, make_batch

pytestmark = pytest.mark.django_db


def lease(reviewer: Any) -> ReviewItem:
    item = services.queue_next(reviewer=reviewer)
    assert item is not None
    return item


def spans(item: ReviewItem) -> list[ReviewSpan]:
    return list(ReviewSpan.objects.filter(item=item).order_by("start"))


def test_it_queues_medium_and_high_and_auto_clears_the_low_tier(detected: Any) -> None:
    status = dict(Record.objects.filter(batch=detected).values_list("external_id", "status"))
    assert status == {"T1": "needs_review", "T2": "needs_review", "T3": "auto_cleared"}
    assert ReviewItem.objects.filter(batch=detected).count() == 2
    cleared = Decision.objects.get(record__external_id="T3", record__batch=detected)
    assert cleared.action == "auto_clear" and cleared.actor is None


def test_it_samples_a_share_of_the_low_tier_and_is_idempotent(
    admin_user: Any, reviewer: Any
) -> None:
    batch = make_batch(admin_user, [reviewer], [f"ticket number {i}" for i in range(200)])
    run = detect(batch, [("low", [])] * 200, sample_rate=0.05)
    items = ReviewItem.objects.filter(batch=batch)
    assert items.count() == 10 and all(i.sampled and i.priority == 2 for i in items)
    assert Record.objects.filter(batch=batch, status="auto_cleared").count() == 190
    again = services.queue_prepare_for_run(run_id=run.pk, sample_rate=0.05)
    assert again.queued == 0 and again.auto_cleared == 0
    assert Decision.objects.filter(record__batch=batch).count() == 190


def test_it_serves_high_first_then_lowest_confidence_then_oldest(
    admin_user: Any, reviewer: Any
) -> None:
    texts = ["alpha one", "bravo two", "charlie three", "delta four", "echo five"]
    batch = make_batch(admin_user, [reviewer], texts)
    detect(
        batch,
        [
            ("medium", [(0, 5, "PERSON", 0.9)]),
            ("high", [(0, 5, "PERSON", 0.9)]),
            ("medium", [(0, 7, "PERSON", 0.4)]),
            ("high", [(0, 5, "PERSON", 0.3)]),
            ("medium", [(0, 4, "PERSON", 0.9)]),
        ],
    )
    order = []
    while (item := services.queue_next(reviewer=reviewer)) is not None:
        order.append(item.record.text)
        services.item_submit(actor=reviewer, item=item, version=_accept_all(reviewer, item))
    assert order == ["delta four", "bravo two", "charlie three", "alpha one", "echo five"]


def _accept_all(actor: Any, item: ReviewItem) -> int:
    if ReviewSpan.objects.filter(item=item, status="pending").exists():
        item = services.spans_accept_all(actor=actor, item=item, version=item.version)
    return ReviewItem.objects.get(pk=item.pk).version


def test_a_reviewer_gets_their_own_lease_back(detected: Any, reviewer: Any) -> None:
    first = lease(reviewer)
    assert lease(reviewer).pk == first.pk
    assert Record.objects.get(pk=first.record_id).status == "in_review"


def test_an_expired_lease_returns_the_record_to_the_queue(
    detected: Any, reviewer: Any, make_user: Any, admin_user: Any
) -> None:
    other = make_user("rob_reviewer", "reviewer")
    batch_services.batch_assign_reviewers(
        actor=admin_user, batch=detected, reviewers=[reviewer, other]
    )
    item = lease(reviewer)
    ReviewItem.objects.filter(pk=item.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    taken = lease(other)
    assert taken.pk == item.pk  # first in the queue again
    with pytest.raises(services.LeaseLost, match="Another person holds this record"):
        services.span_accept(
            actor=reviewer, item=item, version=item.version, span_id=spans(item)[0].pk
        )
    assert Decision.objects.filter(action="accept").count() == 0


def test_a_stale_version_is_refused_and_changes_nothing(detected: Any, reviewer: Any) -> None:
    item = lease(reviewer)
    first, second = spans(item)
    services.span_accept(actor=reviewer, item=item, version=item.version, span_id=first.pk)
    with pytest.raises(services.StaleVersion, match="changed since your page was loaded"):
        services.span_reject(actor=reviewer, item=item, version=item.version, span_id=second.pk)
    second.refresh_from_db()
    assert second.status == "pending"


def test_a_released_record_refuses_further_changes(detected: Any, reviewer: Any) -> None:
    item = lease(reviewer)
    item = services.item_release(actor=reviewer, item=item, version=item.version)
    with pytest.raises(services.LeaseLost, match="went back to the queue"):
        services.spans_accept_all(actor=reviewer, item=item, version=item.version)


def test_each_action_writes_a_decision_with_offsets_and_labels_only(
    detected: Any, reviewer: Any
) -> None:
    item = lease(reviewer)
    text = item.record.text
    name, order = spans(item)
    v = item.version
    services.span_reject(actor=reviewer, item=item, version=v, span_id=order.pk)
    services.span_relabel(
        actor=reviewer, item=item, version=v + 1, span_id=name.pk, label="ORGANIZATION"
    )
    services.span_adjust(
        actor=reviewer,
        item=item,
        version=v + 2,
        span_id=name.pk,
        start=name.start,
        end=name.start + 4,
    )
    late = text.index("late")
    services.span_add(
        actor=reviewer, item=item, version=v + 3, start=late, end=late + 4, label="DATE_TIME"
    )
    decisions = list(Decision.objects.filter(item=item).order_by("id"))
    assert [d.action for d in decisions] == ["reject", "relabel", "adjust", "add"]
    assert [d.version for d in decisions] == [v + 1, v + 2, v + 3, v + 4]
    assert decisions[0].span_id == order.detected_id and decisions[0].actor == reviewer
    assert (
        decisions[1].before["label"] == "PERSON" and decisions[1].after["label"] == "ORGANIZATION"
    )
    assert decisions[2].after == {
        "start": name.start,
        "end": name.start + 4,
        "label": "ORGANIZATION",
        "status": "accepted",
    }
    assert decisions[3].span is None and decisions[3].after["label"] == "DATE_TIME"
    for d in decisions:
        blob = str(d.before) + str(d.after) + d.reason
        assert "Jane" not in blob and "ORD-" not in blob and "late" not in blob
    events = AuditEvent.objects.filter(action__startswith="review.").exclude(
        action="review.queue_prepared"
    )
    assert events.count() == 4 and "Jane" not in str(list(events.values_list("payload", flat=True)))


def test_added_spans_are_trimmed_and_may_not_overlap(detected: Any, reviewer: Any) -> None:
    item = lease(reviewer)
    text = item.record.text
    start = text.index(" order")
    services.span_add(
        actor=reviewer, item=item, version=item.version, start=start, end=start + 6, label="ID"
    )
    added = ReviewSpan.objects.get(item=item, origin="added")
    assert text[added.start : added.end] == "order"
    name = ReviewSpan.objects.get(item=item, label="PERSON")
    with pytest.raises(services.ReviewError, match="overlaps the PERSON span"):
        services.span_add(
            actor=reviewer,
            item=item,
            version=item.version + 1,
            start=name.start,
            end=name.end,
            label="ID",
        )
    with pytest.raises(services.ReviewError, match="start < end"):
        services.span_add(
            actor=reviewer,
            item=item,
            version=item.version + 1,
            start=5,
            end=len(text) + 1,
            label="ID",
        )
    with pytest.raises(services.ReviewError, match="entity type"):
        services.span_add(
            actor=reviewer, item=item, version=item.version + 1, start=0, end=2, label="<script>"
        )


def test_submit_needs_every_span_decided(detected: Any, reviewer: Any) -> None:
    item = lease(reviewer)
    with pytest.raises(services.ReviewError, match="2 span\\(s\\) are still undecided"):
        services.item_submit(actor=reviewer, item=item, version=item.version)
    services.spans_accept_all(actor=reviewer, item=item, version=item.version)
    done = services.item_submit(actor=reviewer, item=item, version=item.version + 1)
    assert done.state == "done" and done.holder is None
    assert Record.objects.get(pk=item.record_id).status == "reviewed"
    assert {s.label for s in reviewed_spans_for_records([item.record_id])[item.record_id]} == {
        "PERSON",
        "ORDER_ID",
    }


def test_rejected_spans_leave_the_reviewed_set(detected: Any, reviewer: Any) -> None:
    item = lease(reviewer)
    for i, span in enumerate(spans(item)):
        services.span_reject(actor=reviewer, item=item, version=item.version + i, span_id=span.pk)
    services.item_submit(actor=reviewer, item=item, version=item.version + 2)
    assert reviewed_spans_for_records([item.record_id]) == {item.record_id: []}


def test_escalate_return_and_resolve(detected: Any, reviewer: Any, officer: Any) -> None:
    item = lease(reviewer)
    with pytest.raises(services.ReviewError, match="Say what"):
        services.item_escalate(actor=reviewer, item=item, version=item.version, note="  ")
    services.item_escalate(
        actor=reviewer, item=item, version=item.version, note="Is ORD a customer id?"
    )
    assert Record.objects.get(pk=item.record_id).status == "escalated"
    assert services.queue_next(reviewer=reviewer).pk != item.pk  # not in the reviewers' queue
    taken = services.escalation_take(officer=officer, item=item)
    services.escalation_return(
        actor=officer, item=item, version=taken.version, note="Treat ORD as an id."
    )
    item.refresh_from_db()
    assert item.state == "open" and item.returned_to == reviewer
    # The returned record comes back to its reviewer before anything else.
    ReviewItem.objects.filter(holder=reviewer).exclude(pk=item.pk).update(
        holder=None, lease_expires_at=None
    )
    assert services.queue_next(reviewer=reviewer).pk == item.pk
    item.refresh_from_db()
    services.item_escalate(actor=reviewer, item=item, version=item.version, note="Still unsure")
    taken = services.escalation_take(officer=officer, item=item)
    with pytest.raises(services.ReviewError, match="undecided"):
        services.escalation_resolve(actor=officer, item=item, version=taken.version, note="")
    services.spans_accept_all(actor=officer, item=item, version=taken.version)
    services.escalation_resolve(actor=officer, item=item, version=taken.version + 1, note="ok")
    item.refresh_from_db()
    assert item.state == "done" and Record.objects.get(pk=item.record_id).status == "reviewed"
    actions = list(Decision.objects.filter(item=item).values_list("action", flat=True))
    assert actions == ["escalate", "return", "escalate", "accept_all", "resolve"]


def test_a_second_officer_cannot_take_a_held_escalation(
    detected: Any, reviewer: Any, officer: Any, make_user: Any
) -> None:
    item = lease(reviewer)
    services.item_escalate(actor=reviewer, item=item, version=item.version, note="look")
    services.escalation_take(officer=officer, item=item)
    other = make_user("olga_officer", "privacy_officer")
    with pytest.raises(services.LeaseLost, match="Another privacy officer"):
        services.escalation_take(officer=other, item=item)


def test_decisions_are_append_only(detected: Any, reviewer: Any) -> None:
    item = lease(reviewer)
    services.spans_accept_all(actor=reviewer, item=item, version=item.version)
    decision = Decision.objects.get(item=item)
    decision.reason = "changed"
    with pytest.raises(AppendOnlyError):
        decision.save()
    with pytest.raises(AppendOnlyError):
        decision.delete()
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            Decision.objects.filter(pk=decision.pk).update(reason="x")


def test_outsiders_get_nothing_from_the_queue(detected: Any, outsider: Any) -> None:
    assert services.queue_next(reviewer=outsider) is None
