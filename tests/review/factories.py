"""Detection output written straight into the database, so review tests need no engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from anonymizer.batches import services
from anonymizer.models import (
    DetectedSpan,
    DetectionRun,
    Record,
    RiskAssessment,
    RuleSet,
    SourceBatch,
)
from review.services import queue_prepare_for_run

# (tier, [(start, end, label, score), ...]) per record, in position order.
Plan = Sequence[tuple[str, Sequence[tuple[int, int, str, float]]]]


def active_ruleset() -> RuleSet:
    found = RuleSet.objects.filter(status=RuleSet.Status.ACTIVE).first()
    return found or RuleSet.objects.create(version=1, status=RuleSet.Status.ACTIVE, config={})


def make_batch(admin: Any, reviewers: Sequence[Any], texts: Sequence[str], **kw: Any) -> Any:
    batch = services.batch_import(
        actor=admin,
        data="\n".join(texts).encode() + b"\n",
        name=kw.pop("name", "Review batch"),
        data_class=kw.pop("data_class", "personal"),
        purpose=kw.pop("purpose", "theme_analysis"),
        source_format="text_lines",
        **kw,
    )
    services.batch_assign_reviewers(actor=admin, batch=batch, reviewers=list(reviewers))
    return batch


def detect(
    batch: SourceBatch, plan: Plan, *, prepare: bool = True, sample_rate: float = 0.0
) -> Any:
    """Write a finished run with the planned spans and tiers, then build the review queue."""
    records = list(Record.objects.filter(batch=batch).order_by("position"))
    assert len(records) == len(plan), "one plan entry per record"
    ruleset = active_ruleset()
    run = DetectionRun.objects.create(
        batch=batch,
        ruleset=ruleset,
        status=DetectionRun.Status.DONE,
        chunk_size=len(records),
        chunk_count=1,
        record_count=len(records),
        finished_at=timezone.now(),
    )
    spans, risks = [], []
    for record, (tier, found) in zip(records, plan, strict=True):
        for start, end, label, score in found:
            spans.append(
                DetectedSpan(
                    record=record,
                    run=run,
                    start=start,
                    end=end,
                    label=label,
                    score=score,
                    recognizer="test",
                    ruleset_version=ruleset.version,
                )
            )
        risks.append(
            RiskAssessment(
                record=record,
                run=run,
                tier=tier,
                triggers=[{"code": "test_" + tier, "detail": {"count": len(found)}}],
                min_score=min((s[3] for s in found), default=None),
                span_count=len(found),
                ruleset_version=ruleset.version,
            )
        )
        record.status = Record.Status.DETECTED if tier == "low" else Record.Status.NEEDS_REVIEW
        record.save(update_fields=["status"])
    DetectedSpan.objects.bulk_create(spans)
    RiskAssessment.objects.bulk_create(risks)
    SourceBatch.objects.filter(pk=batch.pk).update(
        current_run=run, status=SourceBatch.Status.DETECTED
    )
    batch.refresh_from_db()
    if prepare:
        queue_prepare_for_run(run_id=run.pk, sample_rate=sample_rate)
    return run


def span_at(text: str, needle: str, label: str, score: float) -> tuple[int, int, str, float]:
    start = text.index(needle)
    return (start, start + len(needle), label, score)
