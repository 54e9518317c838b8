"""Every reviewer and officer action on a leased record.

Each action runs in one transaction that locks the review item, checks the caller's lease and
the version they saw, changes the spans, appends a Decision and an audit event, and bumps the
version. Nothing is shown as done before that transaction commits. Messages of ReviewError are
safe to show: they hold offsets and counts, never record text. Building the queue and handing
out leases is review.queue; its entry points are importable from here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from anonymizer.models import Record
from audit.services import audit_log
from config.metrics import REVIEW_ACTIONS
from review.models import Decision, ItemState, ReviewItem, ReviewSpan, SpanStatus

# The names imported under a redundant alias are re-exported: reachable from here as before
# the queue moved to review.queue (views, tests, review.jobs, benchmarks).
from review.queue import LeaseLost as LeaseLost
from review.queue import QueuePrepared as QueuePrepared
from review.queue import ReviewError, lock_for_action
from review.queue import StaleVersion as StaleVersion
from review.queue import escalation_take as escalation_take
from review.queue import queue_next as queue_next
from review.queue import queue_prepare_for_run as queue_prepare_for_run

LABEL_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
NOTE_MAX = 2000


# --- Actions ------------------------------------------------------------------------------


@contextmanager
def _action(
    item: ReviewItem, *, actor: Any, version: int, states: tuple[str, ...]
) -> Iterator[ReviewItem]:
    """One action's transaction, holding the item locked once the caller's lease and version
    are checked (review.queue.lock_for_action)."""
    with transaction.atomic():
        yield lock_for_action(item, actor=actor, version=version, states=states)


def _record(
    locked: ReviewItem,
    *,
    actor: Any,
    action: str,
    span: ReviewSpan | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    extra_fields: tuple[str, ...] = (),
) -> Decision:
    """Bump the version, save the item, append the Decision and its audit event."""
    locked.version += 1
    locked.save(update_fields=["version", "lease_expires_at", "updated_at", *extra_fields])
    decision = Decision.objects.create(
        item=locked,
        record_id=locked.record_id,
        actor=actor,
        action=action,
        span_id=span.detected_id if span is not None else None,
        review_span=span,
        before=before or {},
        after=after or {},
        reason=reason,
        version=locked.version,
    )
    transaction.on_commit(lambda: REVIEW_ACTIONS.labels(action=action).inc())  # config.metrics
    audit_log(
        actor=actor,
        action=f"review.{action}",
        batch_public_id=locked.batch.public_id,
        target=decision,
        payload={
            "item": str(locked.public_id),
            "record_id": locked.record_id,
            "span": span.pk if span is not None else None,
            "before": before or {},
            "after": after or {},
            "version": locked.version,
            "has_reason": bool(reason),
        },
    )
    return decision


SPAN_STATES = (ItemState.OPEN, ItemState.ESCALATED)


def _span(locked: ReviewItem, span_id: int | None) -> ReviewSpan:
    if span_id is None:
        raise ReviewError("Choose a span first.")
    span = ReviewSpan.objects.filter(item=locked, pk=span_id).first()
    if span is None:
        raise ReviewError("That span is not part of this record.")
    return span


def _check_label(label: str | None) -> str:
    label = (label or "").strip().upper()
    if not LABEL_RE.match(label):
        raise ReviewError("Choose an entity type from the list.")
    return label


def _clean_bounds(text: str, start: int | None, end: int | None) -> tuple[int, int]:
    if start is None or end is None:
        raise ReviewError("Give a start and an end offset.")
    if not 0 <= start < end <= len(text):
        raise ReviewError(f"Offsets must satisfy 0 ≤ start < end ≤ {len(text)}.")
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        raise ReviewError("That selection is only whitespace.")
    return start, end


def _check_no_overlap(locked: ReviewItem, start: int, end: int, exclude: int | None) -> None:
    clash = (
        ReviewSpan.objects.filter(item=locked, start__lt=end, end__gt=start)
        .exclude(status=SpanStatus.REJECTED)
        .exclude(pk=exclude)
        .first()
    )
    if clash is not None:
        raise ReviewError(
            f"That overlaps the {clash.label} span at {clash.start}–{clash.end}: adjust or "
            "reject that one first."
        )


def _set_span(
    locked: ReviewItem, span: ReviewSpan, *, actor: Any, action: str, **changes: Any
) -> ReviewSpan:
    before = span.as_payload()
    for name, value in changes.items():
        setattr(span, name, value)
    if span.as_payload() == before:
        return span  # nothing changed: no decision, no version bump
    span.save(update_fields=[*changes, "updated_at"])
    _record(locked, actor=actor, action=action, span=span, before=before, after=span.as_payload())
    return span


def _change_span(
    item: ReviewItem, actor: Any, version: int, span_id: int | None, action: str, **changes: Any
) -> ReviewItem:
    """Set fields of one span of a leased record: one decision, unless nothing changed."""
    with _action(item, actor=actor, version=version, states=SPAN_STATES) as locked:
        _set_span(locked, _span(locked, span_id), actor=actor, action=action, **changes)
    return locked


def span_accept(*, actor: Any, item: ReviewItem, version: int, span_id: int | None) -> ReviewItem:
    return _change_span(item, actor, version, span_id, "accept", status=SpanStatus.ACCEPTED)


def span_reject(*, actor: Any, item: ReviewItem, version: int, span_id: int | None) -> ReviewItem:
    return _change_span(item, actor, version, span_id, "reject", status=SpanStatus.REJECTED)


def span_relabel(
    *, actor: Any, item: ReviewItem, version: int, span_id: int | None, label: str | None
) -> ReviewItem:
    label = _check_label(label)
    return _change_span(
        item, actor, version, span_id, "relabel", label=label, status=SpanStatus.ACCEPTED
    )


def span_adjust(
    *,
    actor: Any,
    item: ReviewItem,
    version: int,
    span_id: int | None,
    start: int | None,
    end: int | None,
) -> ReviewItem:
    with _action(item, actor=actor, version=version, states=SPAN_STATES) as locked:
        span = _span(locked, span_id)
        start, end = _clean_bounds(locked.record.text, start, end)
        _check_no_overlap(locked, start, end, exclude=span.pk)
        _set_span(
            locked,
            span,
            actor=actor,
            action="adjust",
            start=start,
            end=end,
            status=SpanStatus.ACCEPTED,
        )
    return locked


def span_add(
    *,
    actor: Any,
    item: ReviewItem,
    version: int,
    start: int | None,
    end: int | None,
    label: str | None,
) -> ReviewItem:
    label = _check_label(label)
    with _action(item, actor=actor, version=version, states=SPAN_STATES) as locked:
        start, end = _clean_bounds(locked.record.text, start, end)
        _check_no_overlap(locked, start, end, exclude=None)
        span = ReviewSpan.objects.create(
            item=locked,
            origin=ReviewSpan.Origin.ADDED,
            start=start,
            end=end,
            label=label,
            status=SpanStatus.ACCEPTED,
        )
        _record(locked, actor=actor, action="add", span=span, before={}, after=span.as_payload())
    return locked


def spans_accept_all(*, actor: Any, item: ReviewItem, version: int) -> ReviewItem:
    """Accept every undecided span: one decision listing the spans' offsets and labels."""
    with _action(item, actor=actor, version=version, states=SPAN_STATES) as locked:
        pending = list(
            ReviewSpan.objects.filter(item=locked, status=SpanStatus.PENDING).order_by("start")
        )
        if not pending:
            return locked  # nothing to accept: no decision, no new version
        ReviewSpan.objects.filter(pk__in=[s.pk for s in pending]).update(
            status=SpanStatus.ACCEPTED, updated_at=timezone.now()
        )
        _record(
            locked,
            actor=actor,
            action="accept_all",
            before={"spans": [[s.pk, s.start, s.end, s.label, s.status] for s in pending]},
            after={"status": SpanStatus.ACCEPTED, "count": len(pending)},
        )
    return locked


def _clean_note(note: str | None, *, required: str | None) -> str:
    note = (note or "").strip()
    if required and not note:
        raise ReviewError(required)
    if len(note) > NOTE_MAX:
        raise ReviewError(f"Keep the note under {NOTE_MAX} characters.")
    return note


def _require_decided(locked: ReviewItem) -> dict[str, int]:
    counts = {
        row["status"]: row["n"]
        for row in ReviewSpan.objects.filter(item=locked)
        .values("status")
        .annotate(n=Count("id"))
        .order_by()
    }
    pending = counts.get(SpanStatus.PENDING, 0)
    if pending:
        raise ReviewError(
            f"{pending} span(s) are still undecided: accept (a) or reject (x) them, or accept "
            "all remaining (Shift+A), then submit."
        )
    return counts


def _set_record_status(locked: ReviewItem, status: str) -> None:
    Record.objects.filter(pk=locked.record_id).update(status=status, updated_at=timezone.now())


def _complete(
    item: ReviewItem, *, actor: Any, version: int, from_state: str, action: str, note: str
) -> ReviewItem:
    """Mark the item reviewed (by its reviewer, or by an officer on an escalation): every span
    must be decided; the lease ends and the record counts as reviewed."""
    with _action(item, actor=actor, version=version, states=(from_state,)) as locked:
        counts = _require_decided(locked)
        locked.state = ItemState.DONE
        locked.holder, locked.lease_expires_at, locked.returned_to = None, None, None
        _record(
            locked,
            actor=actor,
            action=action,
            before={"state": from_state},
            after={"state": ItemState.DONE, **counts},
            reason=note,
            extra_fields=("state", "holder", "returned_to"),
        )
        _set_record_status(locked, Record.Status.REVIEWED)
    return locked


def item_submit(*, actor: Any, item: ReviewItem, version: int) -> ReviewItem:
    """The reviewer is done with the record: every span must be decided."""
    return _complete(
        item, actor=actor, version=version, from_state=ItemState.OPEN, action="submit", note=""
    )


def item_escalate(*, actor: Any, item: ReviewItem, version: int, note: str | None) -> ReviewItem:
    note = _clean_note(note, required="Say what the privacy officer should look at.")
    with _action(item, actor=actor, version=version, states=(ItemState.OPEN,)) as locked:
        locked.state = ItemState.ESCALATED
        locked.holder, locked.lease_expires_at = None, None
        locked.escalated_by, locked.escalated_at = actor, timezone.now()
        _record(
            locked,
            actor=actor,
            action="escalate",
            before={"state": ItemState.OPEN},
            after={"state": ItemState.ESCALATED},
            reason=note,
            extra_fields=("state", "holder", "escalated_by", "escalated_at"),
        )
        _set_record_status(locked, Record.Status.ESCALATED)
    return locked


def item_release(*, actor: Any, item: ReviewItem, version: int) -> ReviewItem:
    """Give the record back to the queue (decisions so far are kept)."""
    with _action(item, actor=actor, version=version, states=SPAN_STATES) as locked:
        locked.holder, locked.lease_expires_at = None, None
        _record(
            locked,
            actor=actor,
            action="release",
            before={"holder": actor.pk},
            after={"holder": None},
            extra_fields=("holder",),
        )
        if locked.state == ItemState.OPEN:
            _set_record_status(locked, Record.Status.NEEDS_REVIEW)
    return locked


def escalation_comment(
    *, actor: Any, item: ReviewItem, version: int, note: str | None
) -> ReviewItem:
    note = _clean_note(note, required="Write the comment first.")
    with _action(item, actor=actor, version=version, states=(ItemState.ESCALATED,)) as locked:
        _record(locked, actor=actor, action="comment", reason=note)
    return locked


def escalation_return(
    *, actor: Any, item: ReviewItem, version: int, note: str | None
) -> ReviewItem:
    """Send the record back to the reviewer who escalated it, with the officer's comment."""
    note = _clean_note(note, required="Tell the reviewer what to do with the record.")
    with _action(item, actor=actor, version=version, states=(ItemState.ESCALATED,)) as locked:
        locked.state = ItemState.OPEN
        locked.holder, locked.lease_expires_at = None, None
        locked.returned_to_id = locked.escalated_by_id
        _record(
            locked,
            actor=actor,
            action="return",
            before={"state": ItemState.ESCALATED},
            after={"state": ItemState.OPEN, "returned_to": locked.returned_to_id},
            reason=note,
            extra_fields=("state", "holder", "returned_to"),
        )
        _set_record_status(locked, Record.Status.NEEDS_REVIEW)
    return locked


def escalation_resolve(
    *, actor: Any, item: ReviewItem, version: int, note: str | None
) -> ReviewItem:
    """The officer marks the record reviewed: every span must be decided."""
    note = _clean_note(note, required=None)
    return _complete(
        item,
        actor=actor,
        version=version,
        from_state=ItemState.ESCALATED,
        action="resolve",
        note=note,
    )
