"""Reads for exports: where an export's files live, the spans each record leaves with, and
the export list of a batch."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db.models import QuerySet

from anonymizer.engine.labels import is_hint
from anonymizer.engine.transform import Span
from anonymizer.models import DetectedSpan, ExportedDataset, Record, SourceBatch
from review.selectors import reviewed_spans_for_records

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
    (PROPER_NOUN) are not detections: they leave only as a person confirmed them."""
    reviewed = {
        rid: [Span(s.start, s.end, s.label) for s in spans]
        for rid, spans in reviewed_spans_for_records(record_ids).items()
    }
    machine: dict[int, list[Span]] = {}
    rest = [rid for rid in record_ids if rid not in reviewed]
    if rest and batch.current_run_id:
        for rid, start, end, label in DetectedSpan.objects.filter(
            run_id=batch.current_run_id, record_id__in=rest
        ).values_list("record_id", "start", "end", "label"):
            if not is_hint(label):
                machine.setdefault(rid, []).append(Span(start, end, label))
    return {rid: reviewed.get(rid, machine.get(rid, [])) for rid in record_ids}
