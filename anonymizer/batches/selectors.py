"""Reads for batches and records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Coalesce
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


@dataclass(frozen=True)
class BatchListFilters:
    q: str = ""
    stage: str = ""
    data_class: str = ""
    purpose: str = ""
    sort: str = "newest"


def batch_list_filters(params: Any) -> BatchListFilters:
    """The list's GET parameters, unknown values dropped (never an error)."""

    def pick(name: str, allowed: Iterable[str], default: str = "") -> str:
        value = params.get(name, "")
        return value if value in allowed else default

    return BatchListFilters(
        q=params.get("q", "").strip()[:200],
        stage=pick("stage", Stage.values),
        data_class=pick("data_class", DataClass.values),
        purpose=pick("purpose", Purpose.values),
        sort=pick("sort", BATCH_SORTS, "newest"),
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
    return batches.annotate(records_waiting=F("record_count") - F("records_settled")).annotate(
        stage=Case(
            When(current_run__isnull=True, then=Value(Stage.UPLOADED)),
            When(run_status=DetectionRun.Status.RUNNING, then=Value(Stage.DETECTING)),
            When(run_status=DetectionRun.Status.FAILED, then=Value(Stage.DETECTION_FAILED)),
            When(records_waiting__gt=0, then=Value(Stage.IN_REVIEW)),
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
    return batches.order_by(*BATCH_SORTS[filters.sort])
