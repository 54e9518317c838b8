"""Reads for batches and records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    TextChoices,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_users_with_perms

from anonymizer import words
from anonymizer.models import (
    ApiToken,
    DataClass,
    DetectedSpan,
    DetectionChunk,
    DetectionRun,
    ExportedDataset,
    Purpose,
    Record,
    RiskAssessment,
    SourceBatch,
)
from anonymizer.permissions import REVIEW_CODENAME
from audit.selectors import between
from review.models import Decision
from review.selectors import date_param, int_param, pick, uuid_param


def batch_status_counts(batch: SourceBatch) -> dict[str, int]:
    rows = Record.objects.filter(batch=batch).values("status").annotate(n=Count("id")).order_by()
    counts = {value: 0 for value in Record.Status.values}
    for row in rows:
        counts[row["status"]] = row["n"]
    return counts


def batch_records(batch: SourceBatch) -> QuerySet[Record]:
    return Record.objects.filter(batch=batch).order_by("position")


def batch_summary(batch: SourceBatch) -> dict[str, Any]:
    return {
        "id": str(batch.public_id),
        "name": batch.name,
        "data_class": batch.data_class,
        "purpose": batch.purpose,
        "status": batch.status,
        "source_format": batch.source_format,
        "record_count": batch.record_count,
        "char_count": batch.char_count,
        "structured_columns": batch.structured_columns,
        "created_by": batch.created_by.username,
        "created_at": batch.created_at.isoformat(),
        "records_by_status": batch_status_counts(batch),
    }


def attach_risk(records: Iterable[Record], batch: SourceBatch) -> None:
    """Set `risk` and `span_count` on each record from the batch's current run, in 1 query."""
    records = list(records)
    by_id = {}
    if batch.current_run_id is not None:
        by_id = {
            a.record_id: a
            for a in RiskAssessment.objects.filter(
                run_id=batch.current_run_id, record_id__in=[r.id for r in records]
            )
        }
    for record in records:
        record.risk = by_id.get(record.id)  # type: ignore[attr-defined]


def batch_reviewers(batch: SourceBatch) -> list[Any]:
    users = get_users_with_perms(
        batch, only_with_perms_in=[REVIEW_CODENAME], with_group_users=False
    )
    return sorted(users, key=lambda u: u.username)


def api_tokens_of(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def api_tokens_all() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("user")


# --- The batch list: a life-cycle stage per batch, in one query per page ---------------------


class Stage(TextChoices):
    """Where a batch is in its life, derived on read (never stored)."""

    UPLOADED = "uploaded", "Uploaded"
    DETECTING = "detecting", "Detecting"
    DETECTION_FAILED = "detection_failed", "Detection failed"
    IN_REVIEW = "in_review", "In review"
    REVIEWED = "reviewed", "Reviewed"
    EXPORTED = "exported", "Exported"


BATCH_SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "name": ("name", "id"),
}
SETTLED = [Record.Status.REVIEWED, Record.Status.AUTO_CLEARED]
UNSETTLED = [status for status in Record.Status.values if status not in SETTLED]


@dataclass(frozen=True)
class BatchListFilters:
    q: str = ""
    stage: str = ""
    data_class: str = ""
    purpose: str = ""
    date_from: date | None = None
    date_to: date | None = None
    reviewer: int | None = None  # batches assigned to this user for review
    sort: str = "newest"


def batch_list_filters(params: Any) -> BatchListFilters:
    """The list's GET parameters, unknown values dropped (never an error)."""
    return BatchListFilters(
        q=params.get("q", "").strip()[:200],
        stage=pick(params, "stage", Stage.values),
        data_class=pick(params, "data_class", DataClass.values),
        purpose=pick(params, "purpose", Purpose.values),
        date_from=date_param(params, "date_from"),
        date_to=date_param(params, "date_to"),
        reviewer=int_param(params, "reviewer"),
        sort=pick(params, "sort", BATCH_SORTS, "newest"),
    )


def assigned_to(user_id: int) -> QuerySet[Any]:
    """The ids of the batches `user_id` is assigned to review (guardian's per-object rows)."""
    return (
        UserObjectPermission.objects.filter(
            user_id=user_id,
            permission__codename=REVIEW_CODENAME,
            content_type=ContentType.objects.get_for_model(SourceBatch),
        )
        .annotate(batch_pk=Cast("object_pk", BigIntegerField()))
        .values("batch_pk")
    )


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT(*) of `queryset`, whose `batch` matches the outer row."""
    counted = queryset.filter(batch=OuterRef("pk")).order_by().values("batch")
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")), 0)


def _tier_count(tier: str) -> Coalesce:
    assessed = RiskAssessment.objects.filter(run=OuterRef("current_run_id"), tier=tier)
    counted = assessed.order_by().values("run")
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")), 0)


def batches_with_stage(batches: QuerySet[SourceBatch]) -> QuerySet[SourceBatch]:
    """Annotate each batch with its stage, progress counts and tier mix (no query per row)."""
    done_chunks = DetectionChunk.objects.filter(
        run=OuterRef("current_run_id"), status=DetectionChunk.Status.DONE
    ).order_by().values("run")
    run = DetectionRun.objects.filter(pk=OuterRef("current_run_id"))
    exported = ExportedDataset.objects.filter(
        batch=OuterRef("pk"), status=ExportedDataset.Status.DONE
    )
    batches = batches.annotate(
        run_status=Subquery(run.values("status")),
        chunks_total=Coalesce(Subquery(run.values("chunk_count")), 0),
        chunks_done=Coalesce(Subquery(done_chunks.annotate(n=Count("pk")).values("n")), 0),
        records_settled=_count(Record.objects.filter(status__in=SETTLED)),
        has_export=Exists(exported),
        tier_low=_tier_count(RiskAssessment.Tier.LOW),
        tier_medium=_tier_count(RiskAssessment.Tier.MEDIUM),
        tier_high=_tier_count(RiskAssessment.Tier.HIGH),
    )
    # The stage asks whether any record is unsettled (a few index probes), never a count: a
    # filter on it stays cheap at 1,000 batches of 1,000 records.
    unsettled = Record.objects.filter(batch=OuterRef("pk"), status__in=UNSETTLED)
    return batches.annotate(records_waiting=F("record_count") - F("records_settled")).annotate(
        stage=Case(
            When(current_run__isnull=True, then=Value(Stage.UPLOADED)),
            When(run_status=DetectionRun.Status.RUNNING, then=Value(Stage.DETECTING)),
            When(run_status=DetectionRun.Status.FAILED, then=Value(Stage.DETECTION_FAILED)),
            When(Exists(unsettled), then=Value(Stage.IN_REVIEW)),
            When(has_export=True, then=Value(Stage.EXPORTED)),
            default=Value(Stage.REVIEWED),
            output_field=CharField(),
        )
    )


def batches_listed(
    batches: QuerySet[SourceBatch], filters: BatchListFilters
) -> QuerySet[SourceBatch]:
    """`batches` (those the user may see) narrowed by `filters`, annotated, in order."""
    batches = batches_with_stage(batches.select_related("created_by"))
    if filters.q:
        batches = batches.filter(name__icontains=filters.q)
    for field in ("stage", "data_class", "purpose"):
        if getattr(filters, field):
            batches = batches.filter(**{field: getattr(filters, field)})
    if filters.reviewer is not None:
        batches = batches.filter(pk__in=assigned_to(filters.reviewer))
    batches = batches.filter(between("created_at", filters.date_from, filters.date_to))
    return batches.order_by(*BATCH_SORTS[filters.sort])


def in_order(batches: QuerySet[SourceBatch], pks: list[int]) -> list[SourceBatch]:
    """The batches of one page (its `pks`, in order), with their annotations: paging on the
    ids alone keeps a deep page from computing the counts of every page before it."""
    found = {b.pk: b for b in batches.filter(pk__in=pks)}
    return [found[pk] for pk in pks]


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
    if filters.trigger and connection.vendor == "postgresql":
        risk = risk.filter(triggers__contains=[{"code": filters.trigger}])
    elif filters.trigger:  # SQLite has no JSON containment: match the stored text
        text = Cast("triggers", TextField())
        risk = risk.annotate(t=text).filter(t__contains=f'"code": "{filters.trigger}"')
    return Exists(risk)


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
    if filters.tier or filters.trigger:
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
