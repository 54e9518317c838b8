"""Reads for batches and records."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet
from guardian.shortcuts import get_users_with_perms

from anonymizer.models import ApiToken, Record, RiskAssessment, SourceBatch
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
