"""The records list: records of every batch the user sees, filtered and sorted, with tier,
triggers and span counts, never their text (moved out of selectors.py, which it outgrew)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, TextChoices, TextField
from django.db.models.functions import Cast

from anonymizer import words
from anonymizer.models import DetectedSpan, Record, RiskAssessment, SourceBatch
from audit.selectors import between
from review.models import Decision
from review.selectors import date_param, int_param, pick, uuid_param

# --- The records list: across the batches the user sees, never the records' text ------------


class ReviewState(TextChoices):
    """A record's place in review, as the records list names it (from Record.status)."""

    WAITING = "waiting", "Waiting"
    IN_REVIEW = "in_review", "In review"
    REVIEWED = "reviewed", "Reviewed"
    AUTO_CLEARED = "auto_cleared", "Auto-cleared"
    ESCALATED = "escalated", "Escalated"


S = Record.Status
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STATE_STATUSES = {
    ReviewState.WAITING: [S.NEW, S.DETECTED, S.NEEDS_REVIEW],
    ReviewState.IN_REVIEW: [S.IN_REVIEW],
    ReviewState.REVIEWED: [S.REVIEWED],
    ReviewState.AUTO_CLEARED: [S.AUTO_CLEARED],
    ReviewState.ESCALATED: [S.ESCALATED],
}
STATUS_STATE = {status: state for state, group in STATE_STATUSES.items() for status in group}
RECORD_SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "file order": ("batch_id", "position"),
}
# Two columns per sort, the last unique: keyset pages (audit.selectors); the cursors' types.
RECORD_CURSORS = {"newest": (EPOCH, 0), "oldest": (EPOCH, 0), "file order": (0, 0)}
RECORDS_PER_PAGE = 50
# The decisions that name a record's reviewer: who finished, escalated or resolved it.
REVIEWER_ACTIONS = ("submit", "escalate", "resolve", "return")


@dataclass(frozen=True)
class RecordListFilters:
    q: str = ""  # the start of an external id
    batch: str = ""
    tier: str = ""
    state: str = ""
    trigger: str = ""
    reviewer: int | None = None  # records this user acted on
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "newest"


def record_list_filters(params: Any) -> RecordListFilters:
    """The records list's GET parameters, unknown values dropped (never an error)."""
    return RecordListFilters(
        q=params.get("q", "").strip()[:200],
        batch=uuid_param(params, "batch"),
        tier=pick(params, "tier", RiskAssessment.Tier.values),
        state=pick(params, "state", ReviewState.values),
        trigger=pick(params, "trigger", words.TRIGGERS),
        reviewer=int_param(params, "reviewer"),
        date_from=date_param(params, "date_from"),
        date_to=date_param(params, "date_to"),
        sort=pick(params, "sort", RECORD_SORTS, "newest"),
    )


def _risk_matches(filters: RecordListFilters) -> Exists:
    """The record's assessment by a current run (only its batch's runs assess it; said so, the
    planner walks the sort index instead of sorting every match) has the tier and trigger."""
    current = SourceBatch.objects.filter(current_run__isnull=False).values("current_run")
    risk = RiskAssessment.objects.filter(record=OuterRef("pk"), run__in=current)
    if filters.tier:
        risk = risk.filter(tier=filters.tier)
    if filters.trigger:
        risk = risk.filter(_has_trigger(filters.trigger))
    return Exists(risk)


def _has_trigger(code: str) -> Q:
    """The assessment's triggers include `code`: a containment the GIN index answers."""
    if connection.vendor == "postgresql":
        return Q(triggers__contains=[{"code": code}])
    # SQLite has no JSON containment: match the stored text.
    return Q(
        Exists(
            RiskAssessment.objects.filter(pk=OuterRef("pk"))
            .annotate(t=Cast("triggers", TextField()))
            .filter(t__contains=f'"code": "{code}"')
        )
    )


# A trigger on at most this many current assessments is read through the GIN index on
# `triggers` (migration 0019) first: walking the sort index and probing each record's
# assessment finds a rare trigger's 50 rows only after ~25,000 records.
RARE_TRIGGER_AT_MOST = 3_000


def _rare_trigger(filters: RecordListFilters) -> QuerySet[RiskAssessment] | None:
    """The record ids of the current assessments with the filters' trigger (and tier), as a
    subquery whose LIMIT keeps the planner from flattening it into the walk, if there are at
    most RARE_TRIGGER_AT_MOST (one capped count); None for a commoner one (the walk finds it)."""
    current = SourceBatch.objects.filter(current_run__isnull=False).values("current_run")
    risk = RiskAssessment.objects.filter(run__in=current).filter(_has_trigger(filters.trigger))
    if filters.tier:
        risk = risk.filter(tier=filters.tier)
    ids = risk.order_by().values("record_id")[: RARE_TRIGGER_AT_MOST + 1]
    return ids if ids.count() <= RARE_TRIGGER_AT_MOST else None


def records_listed(
    batches: QuerySet[SourceBatch], filters: RecordListFilters, *, every_batch: bool = False
) -> QuerySet[Record]:
    """Records of `batches` (those the user may see; `every_batch` when that is all of them)
    narrowed by `filters`, in order; the text column is never read."""
    records = Record.objects.all() if every_batch else Record.objects.filter(batch__in=batches)
    if filters.batch:
        records = records.filter(batch__public_id=filters.batch)
    if filters.q:
        records = records.filter(external_id__startswith=filters.q)
    if filters.state:
        records = records.filter(status__in=STATE_STATUSES[filters.state])
    if filters.trigger:
        rare = _rare_trigger(filters)
        records = records.filter(_risk_matches(filters) if rare is None else Q(pk__in=rare))
    elif filters.tier:
        records = records.filter(_risk_matches(filters))
    if filters.reviewer is not None:
        acted = Decision.objects.filter(actor_id=filters.reviewer, action__in=REVIEWER_ACTIONS)
        records = records.filter(pk__in=acted.values("record_id"))
    records = records.filter(between("created_at", filters.date_from, filters.date_to))
    return (
        records.select_related("batch", "review_item__holder")
        .only(*RECORD_COLUMNS)
        .order_by(*RECORD_SORTS[filters.sort])
    )


RECORD_COLUMNS = (
    "external_id", "position", "status", "created_at", "batch", "batch__public_id",
    "batch__name", "batch__current_run_id", "review_item__public_id", "review_item__record",
    "review_item__state", "review_item__lease_expires_at", "review_item__holder",
    "review_item__holder__username",
)  # fmt: skip


@dataclass
class RecordRow:
    """What the records list shows of a record: ids, tier, triggers, span counts, no text."""

    record: Record
    state: str
    risk: RiskAssessment | None
    spans: list[tuple[str, int]]  # (label, count), most first
    reviewer: str
    review_url: bool  # the user may open the review page


def record_rows(records: Iterable[Record], reviewable: set[int] | None) -> list[RecordRow]:
    """Rows for one page in three queries whatever its length: assessments, span counts,
    reviewers. `reviewable`: the batch ids the user may review (None: every batch)."""
    records = list(records)
    ids = [r.id for r in records]
    runs = {r.batch.current_run_id for r in records} - {None}
    risks = {
        a.record_id: a
        for a in RiskAssessment.objects.filter(record_id__in=ids, run_id__in=runs).only(
            "record_id", "tier", "triggers", "span_count"
        )
    }
    spans: dict[int, list[tuple[str, int]]] = {}
    counted = DetectedSpan.objects.filter(record_id__in=ids, run_id__in=runs).values_list(
        "record_id", "label"
    )
    for rid, label, n in counted.annotate(n=Count("id")).order_by("record_id", "-n", "label"):
        spans.setdefault(rid, []).append((label, n))
    reviewers = dict(
        Decision.objects.filter(record_id__in=ids, action__in=REVIEWER_ACTIONS, actor__isnull=False)
        .order_by("id")
        .values_list("record_id", "actor__username")
    )  # the latest one wins
    return [_row(r, risks, spans, reviewers, reviewable) for r in records]


def _row(r: Record, risks: Any, spans: Any, reviewers: Any, reviewable: Any) -> RecordRow:
    item = getattr(r, "review_item", None)
    holder = item.holder.username if item is not None and item.lease_is_live() else ""
    return RecordRow(
        record=r,
        state=STATUS_STATE.get(r.status, ReviewState.WAITING),
        risk=risks.get(r.id),
        spans=spans.get(r.id, []),
        reviewer=holder or reviewers.get(r.id, ""),
        review_url=item is not None and (reviewable is None or r.batch_id in reviewable),
    )
