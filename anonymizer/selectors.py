"""Reads for batches and records."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from anonymizer.models import Record, SourceBatch


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
