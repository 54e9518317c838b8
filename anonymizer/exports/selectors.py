"""Reads for exports: where an export's files live, the spans each record leaves with, and
the export list of a batch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from anonymizer.engine.transform import Span
from anonymizer.exports.reading import final_ranges
from anonymizer.models import ExportedDataset, Policy, Record, SourceBatch
from audit.selectors import between
from review.selectors import (
    date_param,
    int_param,
    pick,
    uuid_param,
)

# Only records a person reviewed or the risk rules cleared ever leave.
EXPORTABLE = (Record.Status.REVIEWED, Record.Status.AUTO_CLEARED)


class ExportError(ValueError):
    """The export cannot be made; the message is safe to show."""


def export_dir(export: ExportedDataset) -> Path:
    return Path(settings.VEIL_EXPORT_DIR) / str(export.public_id)


def export_file(export: ExportedDataset, name: str) -> Path | None:
    """The path of one of a finished export's files (as its manifest lists them), or None."""
    return export_dir(export) / name if name in export.file_names() else None


def batch_exports(batch: SourceBatch, limit: int = 20) -> QuerySet[ExportedDataset]:
    return ExportedDataset.objects.filter(batch=batch).select_related("policy")[:limit]


def final_spans(batch: SourceBatch, record_ids: list[int]) -> dict[int, list[Span]]:
    """The spans each record goes out with: the reviewed set where a person reviewed it,
    otherwise the machine's detections from the batch's current run. Review hints
    (PROPER_NOUN) are not detections: they leave only as a person confirmed them. The
    export's own rule (reading.final_ranges), for a list of records."""
    found: dict[int, list[Span]] = {}
    for start in range(0, len(record_ids), IDS_A_QUERY):
        part = record_ids[start:start + IDS_A_QUERY]
        for rid, ranges in final_ranges(batch, {"record_id__in": part}).items():
            found[rid] = [Span(*r) for r in ranges]
    return {rid: found.get(rid, []) for rid in record_ids}


IDS_A_QUERY = 500  # SQLite limits a query's parameters


# --- The export list ----------------------------------------------------------------------

EXPORT_SORTS = {
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
    "batch": ("batch__name", "-created_at", "-id"),
}
EXPORTS_PER_PAGE = 50


@dataclass(frozen=True)
class ExportListFilters:
    status: str = ""
    batch: str = ""
    policy: str = ""
    created_by: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "newest"


def export_list_filters(params: Any) -> ExportListFilters:
    """The list's GET parameters, unknown or malformed values dropped (never an error)."""
    return ExportListFilters(
        status=pick(params, "status", ExportedDataset.Status.values),
        batch=uuid_param(params, "batch"),
        policy=uuid_param(params, "policy"),
        created_by=int_param(params, "created_by"),
        date_from=date_param(params, "date_from"),
        date_to=date_param(params, "date_to"),
        sort=pick(params, "sort", EXPORT_SORTS, "newest"),
    )


def exports_listed(
    batches: QuerySet[SourceBatch], filters: ExportListFilters
) -> QuerySet[ExportedDataset]:
    """Exports of `batches` (those the user may see) narrowed by `filters`, in order; the
    manifest (large) is not read."""
    exports = ExportedDataset.objects.filter(batch__in=batches.values("pk"))
    if filters.status:
        exports = exports.filter(status=filters.status)
    if filters.batch:
        exports = exports.filter(batch__public_id=filters.batch)
    if filters.policy:
        exports = exports.filter(policy__public_id=filters.policy)
    if filters.created_by is not None:
        exports = exports.filter(created_by_id=filters.created_by)
    exports = exports.filter(between("created_at", filters.date_from, filters.date_to))
    return (
        exports.select_related("batch", "policy", "created_by")
        .defer("manifest", "batch__text_columns", "batch__structured_columns")
        .order_by(*EXPORT_SORTS[filters.sort])
    )


def export_list_choices() -> dict[str, Any]:
    """The policies and the people who started exports, for the list's filters."""
    return {
        "policies": Policy.objects.order_by("name", "-version").only(
            "public_id", "name", "version"
        ),
        "starters": get_user_model().objects.filter(
            pk__in=ExportedDataset.objects.order_by().values("created_by").distinct()
        ).order_by("username"),
    }
