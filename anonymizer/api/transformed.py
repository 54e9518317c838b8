"""Records as the API shows them: the text transformed under the batch's policy exactly as the
review page previews it (review.selectors.preview: pseudonyms become a placeholder), never the
raw text. Composed here from the stages' reads (what review.selectors would own: see the
report of issue 15).

The spans a record is transformed with: its review spans once a person leased it (the human
view, rejected spans dropped), otherwise the machine's detections of the batch's current run.
Before that run has finished there is no transformed text at all (null): nothing would be
replaced yet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from anonymizer.models import (
    DetectedSpan,
    DetectionRun,
    Policy,
    Record,
    RiskAssessment,
    SourceBatch,
)
from anonymizer.policies.selectors import policy_for_batch
from review.models import ReviewItem, ReviewSpan, SpanStatus
from review.selectors import preview

# Without an approved policy that fits, every detected span is redacted (fail closed).
REDACT_ALL = Policy(name="", version=0, rules={})


@dataclass(frozen=True)
class _Span:
    """A machine span in the shape review.selectors.preview reads."""

    start: int
    end: int
    label: str
    status: str = SpanStatus.PENDING


@dataclass
class RecordView:
    record: Record
    risk: RiskAssessment | None
    item: ReviewItem | None
    text: str | None
    policy: Policy | None


def batch_records(batch: SourceBatch) -> QuerySet[Record]:
    """The batch's records in file order, each with the tier of the current run (to filter
    on). Their text is read only to be transformed; their structured fields not at all."""
    tier = RiskAssessment.objects.filter(run_id=batch.current_run_id, record=OuterRef("pk"))
    return (
        Record.objects.filter(batch=batch)
        .annotate(tier=Subquery(tier.values("tier")[:1]))
        .defer("fields")
        .order_by("position")
    )


def record_views(batch: SourceBatch, records: Sequence[Record]) -> list[RecordView]:
    """A page of records, transformed: a fixed number of queries for the page."""
    records = list(records)
    ids = [r.pk for r in records]
    run = batch.current_run
    ready = run is not None and run.status == DetectionRun.Status.DONE
    risks = {a.record_id: a for a in RiskAssessment.objects.filter(run=run, record_id__in=ids)}
    items = {i.record_id: i for i in ReviewItem.objects.filter(record_id__in=ids)}
    policy = policy_for_batch(batch) if ready else None
    spans = _spans(batch, ids, items) if ready else {}
    views = []
    for record in records:
        text = None
        if ready:
            result = preview(record.text, spans.get(record.pk, []), policy or REDACT_ALL)
            text = result.text if result is not None else None
        views.append(
            RecordView(record, risks.get(record.pk), items.get(record.pk), text, policy)
        )
    return views


def _spans(
    batch: SourceBatch, ids: list[int], items: dict[int, ReviewItem]
) -> dict[int, list[Any]]:
    """Per record: its review spans where a person leased it, else the current run's."""
    by_item = {i.pk: rid for rid, i in items.items() if i.spans_ready}
    found: dict[int, list[Any]] = {}
    for span in ReviewSpan.objects.filter(item_id__in=list(by_item)).only(
        "item_id", "start", "end", "label", "status"
    ):
        found.setdefault(by_item[span.item_id], []).append(span)
    machine = [rid for rid in ids if rid not in found and rid not in by_item.values()]
    for rid, start, end, label in DetectedSpan.objects.filter(
        run_id=batch.current_run_id, record_id__in=machine
    ).values_list("record_id", "start", "end", "label"):
        found.setdefault(rid, []).append(_Span(start, end, label))
    return found
