"""Writes of the review workflow: building the queue, leases, and every reviewer/officer action.

Each action runs in one transaction that locks the review item, checks the caller's lease and
the version they saw, changes the spans, appends a Decision and an audit event, and bumps the
version. Nothing is shown as done before that transaction commits. Messages of ReviewError are
safe to show: they hold offsets and counts, never record text.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from anonymizer.models import DetectedSpan, DetectionRun, Record, RiskAssessment, SourceBatch
from anonymizer.permissions import batches_for_user
from audit.services import audit_log
from review.models import Decision, ItemState, Priority, ReviewItem, ReviewSpan, SpanStatus

LABEL_RE = re.compile(r"^[A-Z][A-Z0-9_]{1,39}$")
NOTE_MAX = 2000
TIER_PRIORITY = {"high": Priority.HIGH, "medium": Priority.MEDIUM, "low": Priority.LOW_SAMPLE}
REVIEW_PERM = "anonymizer.review_sourcebatch"
ANALYZE_AFTER = 1000  # queue items inserted at once before the table's statistics are refreshed


class ReviewError(Exception):
    """An action that cannot be carried out. The message is safe to show to the user."""

    status = 400


class LeaseLost(ReviewError):
    status = 409


class StaleVersion(ReviewError):
    status = 409


def lease_duration() -> timedelta:
    return timedelta(seconds=settings.VEIL_REVIEW_LEASE_SECONDS)


# --- Building the queue after detection ---------------------------------------------------


@dataclass(frozen=True)
class QueuePrepared:
    queued: int = 0
    sampled: int = 0
    auto_cleared: int = 0


def _sample_rank(run_id: int, record_id: int) -> bytes:
    return hashlib.sha256(f"veil-low-tier-sample:{run_id}:{record_id}".encode()).digest()


def _chunks(ids: list[int], size: int = 5000) -> Iterable[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def queue_prepare_for_run(*, run_id: int, sample_rate: float | None = None) -> QueuePrepared:
    """Put a finished run's medium and high tier records into the review queue, sample a share
    of the low tier into it, and auto-clear the rest of the low tier.

    Idempotent: records that already have a review item, or whose status a person set, are left
    alone; the sample is deterministic (a hash of run and record) so a re-run picks nothing new.
    """
    rate = settings.VEIL_LOW_TIER_SAMPLE_RATE if sample_rate is None else sample_rate
    run = DetectionRun.objects.select_related("batch").get(pk=run_id)
    if run.status != DetectionRun.Status.DONE or run.batch.current_run_id != run.pk:
        return QueuePrepared()
    with transaction.atomic():
        batch = SourceBatch.objects.select_for_update().get(pk=run.batch_id)
        # Items of an earlier run that nobody has opened yet follow the new run.
        ReviewItem.objects.filter(
            batch=batch, state=ItemState.OPEN, spans_ready=False, holder__isnull=True
        ).exclude(run=run).delete()
        existing = set(ReviewItem.objects.filter(batch=batch).values_list("record_id", flat=True))
        status = dict(Record.objects.filter(batch=batch).values_list("id", "status"))
        to_queue: list[tuple[int, str, float]] = []
        low: list[tuple[int, float]] = []
        for record_id, tier, min_score in RiskAssessment.objects.filter(run=run).values_list(
            "record_id", "tier", "min_score"
        ):
            if record_id in existing:
                continue
            confidence = 1.0 if min_score is None else float(min_score)
            if tier == RiskAssessment.Tier.LOW:
                if status.get(record_id) == Record.Status.DETECTED:
                    low.append((record_id, confidence))
            elif status.get(record_id) == Record.Status.NEEDS_REVIEW:
                to_queue.append((record_id, tier, confidence))
        low.sort(key=lambda r: _sample_rank(run.pk, r[0]))
        take = math.ceil(rate * len(low)) if rate > 0 else 0
        sampled, cleared = low[:take], [rid for rid, _ in low[take:]]
        items = [
            ReviewItem(
                record_id=rid,
                batch=batch,
                run=run,
                priority=TIER_PRIORITY[tier],
                confidence=confidence,
            )
            for rid, tier, confidence in to_queue
        ] + [
            ReviewItem(
                record_id=rid,
                batch=batch,
                run=run,
                priority=Priority.LOW_SAMPLE,
                confidence=confidence,
                sampled=True,
            )
            for rid, confidence in sampled
        ]
        ReviewItem.objects.bulk_create(items, batch_size=2000, ignore_conflicts=True)
        for ids in _chunks([rid for rid, _ in sampled]):
            Record.objects.filter(id__in=ids, status=Record.Status.DETECTED).update(
                status=Record.Status.NEEDS_REVIEW
            )
        now = timezone.now()
        for ids in _chunks(cleared):
            Record.objects.filter(id__in=ids, status=Record.Status.DETECTED).update(
                status=Record.Status.AUTO_CLEARED, updated_at=now
            )
            Decision.objects.bulk_create(
                Decision(
                    record_id=rid,
                    actor=None,
                    at=now,
                    action=Decision.Action.AUTO_CLEAR,
                    after={"tier": "low", "sample_rate": rate, "run": run.pk},
                    version=0,
                )
                for rid in ids
            )
        if len(items) >= ANALYZE_AFTER and connection.vendor == "postgresql":
            # Without fresh statistics the planner sorts every open item of the batch for each
            # "next record" (17 ms at 20k items) instead of walking the queue index (0.1 ms),
            # until autovacuum gets round to the table.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE review_reviewitem")
        result = QueuePrepared(queued=len(items), sampled=len(sampled), auto_cleared=len(cleared))
        audit_log(
            actor=None,
            action="review.queue_prepared",
            batch_public_id=batch.public_id,
            target=run,
            payload={
                "run": str(run.public_id),
                "queued": result.queued,
                "sampled_low": result.sampled,
                "auto_cleared": result.auto_cleared,
                "sample_rate": rate,
            },
        )
    return result


# --- Leases -------------------------------------------------------------------------------


def _ensure_spans(item: ReviewItem) -> None:
    """Copy the run's detected spans into review spans, once per item."""
    if item.spans_ready:
        return
    rows = DetectedSpan.objects.filter(run_id=item.run_id, record_id=item.record_id).values_list(
        "id", "start", "end", "label"
    )
    ReviewSpan.objects.bulk_create(
        [
            ReviewSpan(
                item=item,
                detected_id=span_id,
                origin=ReviewSpan.Origin.DETECTED,
                start=start,
                end=end,
                label=label,
            )
            for span_id, start, end, label in rows
        ],
        ignore_conflicts=True,
    )
    item.spans_ready = True


def _grant_lease(item: ReviewItem, user: Any, now: Any) -> ReviewItem:
    _ensure_spans(item)
    item.holder = user
    item.lease_expires_at = now + lease_duration()
    item.save(update_fields=["holder", "lease_expires_at", "spans_ready", "updated_at"])
    return item


def _claimable(now: Any) -> Q:
    return Q(holder__isnull=True) | Q(lease_expires_at__lte=now)


def queue_next(*, reviewer: Any) -> ReviewItem | None:
    """Lease the next record to `reviewer` and return it, or None when the queue is empty.

    A reviewer who still holds a live lease gets that record back. Otherwise: records returned
    to this reviewer by an officer, then high tier first, lowest confidence, oldest. Rows are
    claimed with SELECT ... FOR UPDATE SKIP LOCKED, so two reviewers asking at the same moment
    never get the same record.
    """
    now = timezone.now()
    batch_ids = list(batches_for_user(reviewer, REVIEW_PERM).values_list("id", flat=True))
    if not batch_ids:
        return None
    with transaction.atomic():
        held = (
            ReviewItem.objects.select_for_update(skip_locked=True)
            .filter(holder=reviewer, state=ItemState.OPEN, lease_expires_at__gt=now)
            .filter(batch_id__in=batch_ids)
            .first()
        )
        if held is not None:
            return _grant_lease(held, reviewer, now)
        open_items = ReviewItem.objects.filter(state=ItemState.OPEN, batch_id__in=batch_ids).filter(
            _claimable(now)
        )
        order = ("priority", "confidence", "record_id")
        item = (
            open_items.filter(returned_to=reviewer)
            .order_by(*order)
            .select_for_update(skip_locked=True)
            .first()
        ) or open_items.order_by(*order).select_for_update(skip_locked=True).first()
        if item is None:
            return None
        _grant_lease(item, reviewer, now)
        Record.objects.filter(pk=item.record_id).update(
            status=Record.Status.IN_REVIEW, updated_at=now
        )
    return item


def escalation_take(*, officer: Any, item: ReviewItem) -> ReviewItem:
    """An officer takes an escalated record (a lease like a reviewer's)."""
    now = timezone.now()
    with transaction.atomic():
        locked = ReviewItem.objects.select_for_update().get(pk=item.pk)
        if locked.state != ItemState.ESCALATED:
            raise ReviewError("This record is not waiting for an officer.")
        if locked.lease_is_live(now) and locked.holder_id != officer.pk:
            raise LeaseLost("Another privacy officer is working on this escalation.")
        return _grant_lease(locked, officer, now)


# --- Actions ------------------------------------------------------------------------------


def _lock_for_action(
    item: ReviewItem, *, actor: Any, version: int, states: tuple[str, ...]
) -> ReviewItem:
    """Lock the item, check the caller's lease and version, extend the lease."""
    locked = (
        ReviewItem.objects.select_for_update(of=("self",))
        .select_related("record", "batch")
        .get(pk=item.pk)
    )
    if locked.state not in states:
        raise LeaseLost(
            f"This record is now {locked.get_state_display().lower()}: your change was not saved."
        )
    if locked.holder_id != actor.pk:
        if locked.holder_id is None:
            raise LeaseLost(
                "Your lease on this record ended and it went back to the queue: your change was "
                "not saved. Take it again from the queue."
            )
        raise LeaseLost(
            "Another person holds this record now (your lease expired): your change was not "
            "saved, and theirs is kept."
        )
    if locked.version != version:
        raise StaleVersion(
            f"This record changed since your page was loaded (version {version}, now "
            f"{locked.version}): your change was not saved. Reload to see the current state."
        )
    # A lease that ran out but was not given to anyone else is still the caller's: extend it.
    locked.lease_expires_at = timezone.now() + lease_duration()
    return locked


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


def span_accept(*, actor: Any, item: ReviewItem, version: int, span_id: int | None) -> ReviewItem:
    with transaction.atomic():
        locked = _lock_for_action(item, actor=actor, version=version, states=SPAN_STATES)
        span = _span(locked, span_id)
        _set_span(locked, span, actor=actor, action="accept", status=SpanStatus.ACCEPTED)
    return locked


def span_reject(*, actor: Any, item: ReviewItem, version: int, span_id: int | None) -> ReviewItem:
    with transaction.atomic():
        locked = _lock_for_action(item, actor=actor, version=version, states=SPAN_STATES)
        span = _span(locked, span_id)
        _set_span(locked, span, actor=actor, action="reject", status=SpanStatus.REJECTED)
    return locked


def span_relabel(
    *, actor: Any, item: ReviewItem, version: int, span_id: int | None, label: str | None
) -> ReviewItem:
    label = _check_label(label)
    with transaction.atomic():
        locked = _lock_for_action(item, actor=actor, version=version, states=SPAN_STATES)
        span = _span(locked, span_id)
        _set_span(
            locked, span, actor=actor, action="relabel", label=label, status=SpanStatus.ACCEPTED
        )
    return locked


def span_adjust(
    *,
    actor: Any,
    item: ReviewItem,
    version: int,
    span_id: int | None,
    start: int | None,
    end: int | None,
) -> ReviewItem:
    with transaction.atomic():
        locked = _lock_for_action(item, actor=actor, version=version, states=SPAN_STATES)
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
    with transaction.atomic():
        locked = _lock_for_action(item, actor=actor, version=version, states=SPAN_STATES)
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
    with transaction.atomic():
        locked = _lock_for_action(item, actor=actor, version=version, states=SPAN_STATES)
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
    with transaction.atomic():
        locked = _lock_for_action(item, actor=actor, version=version, states=(from_state,))
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
    return _complete(item, actor=actor, version=version, from_state=ItemState.OPEN,
                     action="submit", note="")


def item_escalate(*, actor: Any, item: ReviewItem, version: int, note: str | None) -> ReviewItem:
    note = _clean_note(note, required="Say what the privacy officer should look at.")
    with transaction.atomic():
        locked = _lock_for_action(item, actor=actor, version=version, states=(ItemState.OPEN,))
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
    with transaction.atomic():
        locked = _lock_for_action(item, actor=actor, version=version, states=SPAN_STATES)
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
    with transaction.atomic():
        locked = _lock_for_action(item, actor=actor, version=version, states=(ItemState.ESCALATED,))
        _record(locked, actor=actor, action="comment", reason=note)
    return locked


def escalation_return(
    *, actor: Any, item: ReviewItem, version: int, note: str | None
) -> ReviewItem:
    """Send the record back to the reviewer who escalated it, with the officer's comment."""
    note = _clean_note(note, required="Tell the reviewer what to do with the record.")
    with transaction.atomic():
        locked = _lock_for_action(item, actor=actor, version=version, states=(ItemState.ESCALATED,))
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
    return _complete(item, actor=actor, version=version, from_state=ItemState.ESCALATED,
                     action="resolve", note=note)
