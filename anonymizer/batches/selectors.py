"""Reads for batches and records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_users_with_perms

from anonymizer.models import (
    ApiToken,
    DataClass,
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
from review.selectors import date_param, int_param, pick


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
    batches = with_stage(batches).annotate(
        chunks_done=Coalesce(Subquery(done_chunks.annotate(n=Count("pk")).values("n")), 0),
        records_settled=_count(Record.objects.filter(status__in=SETTLED)),
        tier_low=_tier_count(RiskAssessment.Tier.LOW),
        tier_medium=_tier_count(RiskAssessment.Tier.MEDIUM),
        tier_high=_tier_count(RiskAssessment.Tier.HIGH),
    )
    return batches.annotate(records_waiting=F("record_count") - F("records_settled"))


def with_stage(batches: QuerySet[SourceBatch]) -> QuerySet[SourceBatch]:
    """Annotate each batch with its run's status and chunk count, whether it has an export, and
    its stage: a few index probes per row, no count."""
    run = DetectionRun.objects.filter(pk=OuterRef("current_run_id"))
    exported = ExportedDataset.objects.filter(
        batch=OuterRef("pk"), status=ExportedDataset.Status.DONE
    )
    batches = batches.annotate(
        run_status=Subquery(run.values("status")),
        chunks_total=Coalesce(Subquery(run.values("chunk_count")), 0),
        has_export=Exists(exported),
    )
    # The stage asks whether any record is unsettled (a few index probes), never a count.
    unsettled = Record.objects.filter(batch=OuterRef("pk"), status__in=UNSETTLED)
    return batches.annotate(
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


def stage_is(stage: str) -> Q:
    """The batches in `stage`, as conditions an index answers (the run's status, a probe of
    the (batch, status) index for an unsettled record, an export): the stage annotation's CASE
    of batches_with_stage, without computing it for every batch before paging."""
    unsettled = Exists(Record.objects.filter(batch=OuterRef("pk"), status__in=UNSETTLED))
    exported = Exists(
        ExportedDataset.objects.filter(batch=OuterRef("pk"), status=ExportedDataset.Status.DONE)
    )
    R = DetectionRun.Status
    detected = Q(current_run__status__in=[s for s in R.values if s not in (R.RUNNING, R.FAILED)])
    return {
        Stage.UPLOADED: Q(current_run__isnull=True),
        Stage.DETECTING: Q(current_run__status=R.RUNNING),
        Stage.DETECTION_FAILED: Q(current_run__status=R.FAILED),
        Stage.IN_REVIEW: detected & Q(unsettled),
        Stage.EXPORTED: detected & ~Q(unsettled) & Q(exported),
        Stage.REVIEWED: detected & ~Q(unsettled) & ~Q(exported),
    }[Stage(stage)]


def batches_filtered(
    batches: QuerySet[SourceBatch], filters: BatchListFilters
) -> QuerySet[SourceBatch]:
    """`batches` (those the user may see) narrowed by `filters`, in order, not annotated."""
    if filters.q:
        batches = batches.filter(name__icontains=filters.q)
    if filters.stage:
        batches = batches.filter(stage_is(filters.stage))
    for field in ("data_class", "purpose"):
        if getattr(filters, field):
            batches = batches.filter(**{field: getattr(filters, field)})
    if filters.reviewer is not None:
        batches = batches.filter(pk__in=assigned_to(filters.reviewer))
    batches = batches.filter(between("created_at", filters.date_from, filters.date_to))
    return batches.order_by(*BATCH_SORTS[filters.sort])


def batches_listed(
    batches: QuerySet[SourceBatch], filters: BatchListFilters
) -> QuerySet[SourceBatch]:
    """batches_filtered, annotated by batches_with_stage (for a few rows: the dashboards)."""
    return batches_with_stage(batches_filtered(batches.select_related("created_by"), filters))


def batches_shown(pks: list[int]) -> list[SourceBatch]:
    """The batches of one page (its `pks`, in order) with what batches_with_stage annotates:
    the stage per row (with_stage), the counts for these rows only in one grouped query each
    (settled records, tiers, done chunks): four queries whatever the page's length or depth."""
    shown = with_stage(SourceBatch.objects.filter(pk__in=pks).select_related("created_by"))
    found = {b.pk: b for b in shown}
    rows = [found[pk] for pk in pks if pk in found]
    runs = [b.current_run_id for b in rows if b.current_run_id is not None]
    # COUNT(*), not of a column: index-only scans of (batch, status) and (run, tier, score).
    settled = Record.objects.filter(batch_id__in=pks, status__in=SETTLED).values_list("batch_id")
    settled_by_batch = dict(settled.annotate(n=Count("*")).order_by())
    tiers: dict[tuple[int, str], int] = {}
    assessed = RiskAssessment.objects.filter(run_id__in=runs).values_list("run_id", "tier")
    for run_id, tier, n in assessed.annotate(n=Count("*")).order_by():
        tiers[run_id, tier] = n
    done = DetectionChunk.objects.filter(run_id__in=runs, status=DetectionChunk.Status.DONE)
    chunks = dict(done.values_list("run_id").annotate(n=Count("*")).order_by())
    for b in rows:
        b.chunks_done = chunks.get(b.current_run_id, 0)
        b.records_settled = settled_by_batch.get(b.pk, 0)
        b.records_waiting = b.record_count - b.records_settled
        for tier in RiskAssessment.Tier.values:
            setattr(b, f"tier_{tier}", tiers.get((b.current_run_id, tier), 0))
    return rows
