"""The review queue: building it after detection, the leases that hand its records out, and
the lease check every action starts with (lock_for_action, and the errors it raises).

The queue of a finished run: its medium and high tier records, a deterministic sample of the
low tier, and the rest of the low tier auto-cleared. A reviewer (or an officer, on an
escalation) leases one record at a time; the actions in review.services check that lease.
Messages of ReviewError are safe to show: they hold offsets and counts, never record text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from anonymizer.engine.sampling import stable_fraction
from anonymizer.models import DetectedSpan, DetectionRun, Record, RiskAssessment, SourceBatch
from anonymizer.permissions import REVIEW, batches_for_user
from audit.services import audit_log
from review.models import Decision, ItemState, Priority, ReviewItem, ReviewSpan

TIER_PRIORITY = {"high": Priority.HIGH, "medium": Priority.MEDIUM, "low": Priority.LOW_SAMPLE}
ANALYZE_AFTER = 1000  # queue items inserted at once before the table's statistics are refreshed
SAMPLE_NAMESPACE = "veil-low-tier-sample"


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

    def audit_payload(self, run: DetectionRun, rate: float) -> dict[str, Any]:
        """What the audit trail keeps of it: counts, never record ids or text."""
        return {
            "run": str(run.public_id),
            "queued": self.queued,
            "sampled_low": self.sampled,
            "auto_cleared": self.auto_cleared,
            "sample_rate": rate,
        }


@dataclass(frozen=True)
class _Candidates:
    """A run's records that have no review item yet and whose status no person set."""

    to_queue: list[tuple[int, str, float]]  # medium and high tier: (record id, tier, confidence)
    low: list[tuple[int, float]]  # low tier: (record id, confidence)


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
        found = _candidates(batch, run)
        sampled, cleared = _sample_low_tier(run.pk, found.low, rate)
        queued = _create_items(batch, run, found.to_queue, sampled)
        _auto_clear(run, cleared, rate)
        result = QueuePrepared(queued=queued, sampled=len(sampled), auto_cleared=len(cleared))
        audit_log(
            actor=None,
            action="review.queue_prepared",
            batch_public_id=batch.public_id,
            target=run,
            payload=result.audit_payload(run, rate),
        )
    return result


def _candidates(batch: SourceBatch, run: DetectionRun) -> _Candidates:
    existing = set(ReviewItem.objects.filter(batch=batch).values_list("record_id", flat=True))
    status = dict(Record.objects.filter(batch=batch).values_list("id", "status"))
    found = _Candidates(to_queue=[], low=[])
    for record_id, tier, min_score in RiskAssessment.objects.filter(run=run).values_list(
        "record_id", "tier", "min_score"
    ):
        if record_id in existing:
            continue
        confidence = 1.0 if min_score is None else float(min_score)
        if tier == RiskAssessment.Tier.LOW:
            if status.get(record_id) == Record.Status.DETECTED:
                found.low.append((record_id, confidence))
        elif status.get(record_id) == Record.Status.NEEDS_REVIEW:
            found.to_queue.append((record_id, tier, confidence))
    return found


def _sample_low_tier(
    run_id: int, low: list[tuple[int, float]], rate: float
) -> tuple[list[tuple[int, float]], list[int]]:
    """The sampled share (ceil(rate * n) records, picked by a hash of run and record) and the
    ids of the rest, which are auto-cleared."""
    ranked = sorted(low, key=lambda r: stable_fraction(SAMPLE_NAMESPACE, run_id, r[0]))
    take = math.ceil(rate * len(ranked)) if rate > 0 else 0
    return ranked[:take], [record_id for record_id, _ in ranked[take:]]


def _create_items(
    batch: SourceBatch,
    run: DetectionRun,
    to_queue: list[tuple[int, str, float]],
    sampled: list[tuple[int, float]],
) -> int:
    """Queue items for the medium and high tier and the low-tier sample; the sample's records
    now need review. Returns how many items were written."""
    queued = [(rid, TIER_PRIORITY[tier], confidence) for rid, tier, confidence in to_queue]
    picked = [(rid, Priority.LOW_SAMPLE, confidence) for rid, confidence in sampled]
    items = [
        ReviewItem(
            record_id=rid,
            batch=batch,
            run=run,
            priority=priority,
            confidence=confidence,
            sampled=is_sample,
        )
        for is_sample, rows in ((False, queued), (True, picked))
        for rid, priority, confidence in rows
    ]
    ReviewItem.objects.bulk_create(items, batch_size=2000, ignore_conflicts=True)
    for ids in _chunks([rid for rid, _ in sampled]):
        Record.objects.filter(id__in=ids, status=Record.Status.DETECTED).update(
            status=Record.Status.NEEDS_REVIEW
        )
    if len(items) >= ANALYZE_AFTER and connection.vendor == "postgresql":
        # Without fresh statistics the planner sorts every open item of the batch for each
        # "next record" (17 ms at 20k items) instead of walking the queue index (0.1 ms),
        # until autovacuum gets round to the table.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE review_reviewitem")
    return len(items)


def _auto_clear(run: DetectionRun, cleared: list[int], rate: float) -> None:
    """Mark the unsampled low tier auto-cleared, with one system Decision each."""
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


def grant_lease(item: ReviewItem, user: Any, now: datetime) -> ReviewItem:
    """Give `user` the lease on `item` (its spans copied in on first use) and save it."""
    _ensure_spans(item)
    item.holder = user
    item.lease_expires_at = now + lease_duration()
    item.save(update_fields=["holder", "lease_expires_at", "spans_ready", "updated_at"])
    return item


def _claimable(now: datetime) -> Q:
    return Q(holder__isnull=True) | Q(lease_expires_at__lte=now)


def queue_next(*, reviewer: Any, batch_id: int | None = None) -> ReviewItem | None:
    """Lease the next record to `reviewer` and return it, or None when the queue is empty.
    With `batch_id`, only that batch's records (when the reviewer is assigned to it).

    A reviewer who still holds a live lease gets that record back. Otherwise: records returned
    to this reviewer by an officer, then high tier first, lowest confidence, oldest. Rows are
    claimed with SELECT ... FOR UPDATE SKIP LOCKED, so two reviewers asking at the same moment
    never get the same record.
    """
    now = timezone.now()
    batch_ids = list(batches_for_user(reviewer, REVIEW).values_list("id", flat=True))
    if batch_id is not None:
        batch_ids = [i for i in batch_ids if i == batch_id]
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
            return grant_lease(held, reviewer, now)
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
        grant_lease(item, reviewer, now)
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
        return grant_lease(locked, officer, now)


def lock_for_action(
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
