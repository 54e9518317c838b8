"""Detection runs: start, chunk, claim, store and recover.

The engine (anonymizer.engine) does the detecting on plain text; this module turns its
candidates into rows. Jobs take ids, claim their chunk with a conditional UPDATE, and write
all of a chunk's output in one transaction, so running a chunk twice leaves one set of spans.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone

from anonymizer.detection.recovery import (  # noqa: F401 - run_recover_stale: public here too
    DETECT_CHUNK_JOB,
    enqueue_chunks,
    run_recover_stale,
    run_requeue_pending,
)
from anonymizer.engine.risk import RiskThresholds, assess_risk
from anonymizer.engine.sampling import in_sample
from anonymizer.engine.types import SpanCandidate
from anonymizer.models import (
    DetectedSpan,
    DetectionChunk,
    DetectionRun,
    Record,
    RiskAssessment,
    SourceBatch,
)
from anonymizer.queues import enqueue
from anonymizer.rulesets.selectors import RuleSetError, ruleset_active, ruleset_engine_config
from audit.services import audit_log

log = logging.getLogger(__name__)

# Record states that a detection run may (re)set; human states are never overwritten.
MACHINE_STATES = (Record.Status.NEW, Record.Status.DETECTED, Record.Status.NEEDS_REVIEW)


# The hand-off of a finished run to the review queue, a job of its own on the same queue: at
# 100k records it takes seconds, which must not hold the last chunk's transaction open.
QUEUE_PREPARE_JOB = "review.jobs.queue_prepare_for_run"


class DetectionError(Exception):
    """A detection request that cannot be carried out; the message is safe to show."""


# --- Starting runs -----------------------------------------------------------------------


def detection_start(
    *, actor: Any, batch: SourceBatch, chunk_size: int | None = None
) -> DetectionRun:
    """Start a detection run over the whole batch, or return the one already running after
    queueing again its pending chunks whose job was lost (the page's "start again")."""
    chunk_size = chunk_size or settings.VEIL_DETECTION_CHUNK_SIZE
    try:
        ruleset = ruleset_active()
    except RuleSetError as exc:
        raise DetectionError(str(exc)) from None
    with transaction.atomic():
        locked = SourceBatch.objects.select_for_update().get(pk=batch.pk)
        running = locked.detection_runs.filter(status=DetectionRun.Status.RUNNING).first()
        if running is not None:
            _resume(actor, running)
            return running
        positions = list(
            Record.objects.filter(batch=locked)
            .order_by("position")
            .values_list("position", flat=True)
        )
        run = DetectionRun.objects.create(
            batch=locked,
            ruleset=ruleset,
            chunk_size=chunk_size,
            chunk_count=(len(positions) + chunk_size - 1) // chunk_size,
            record_count=len(positions),
            created_by=actor,
        )
        DetectionChunk.objects.bulk_create(
            DetectionChunk(
                run=run,
                index=i,
                first_position=positions[start],
                last_position=positions[min(start + chunk_size, len(positions)) - 1],
                record_count=min(chunk_size, len(positions) - start),
            )
            for i, start in enumerate(range(0, len(positions), chunk_size))
        )
        locked.detection_runs.exclude(pk=run.pk).filter(status=DetectionRun.Status.DONE).update(
            status=DetectionRun.Status.SUPERSEDED
        )
        SourceBatch.objects.filter(pk=locked.pk).update(
            status=SourceBatch.Status.DETECTING, current_run=run, updated_at=timezone.now()
        )
        chunk_ids = list(run.chunks.values_list("id", flat=True))
        counts = {"records": run.record_count, "chunks": run.chunk_count}
        payload = {"run": str(run.public_id), "ruleset_version": ruleset.version, **counts}
        audit_log(
            actor=actor, action="detection.started", batch_public_id=locked.public_id,
            target=run, payload=payload,
        )
        enqueue_chunks(chunk_ids)  # queued once this transaction commits
    return run


def _resume(actor: Any, run: DetectionRun) -> None:
    """Starting a running run again queues its pending chunks whose job was lost."""
    requeued = run_requeue_pending(run)
    if requeued:
        audit_log(
            actor=actor, action="detection.resumed", batch_public_id=run.batch.public_id,
            target=run, payload={"run": str(run.public_id), "chunks_requeued": requeued},
        )


def run_retry_failed(*, actor: Any, run: DetectionRun) -> int:
    """Send a run's failed chunks back to the queue; returns how many."""
    with transaction.atomic():
        ids = list(
            run.chunks.filter(status=DetectionChunk.Status.FAILED).values_list("id", flat=True)
        )
        if not ids:
            return 0
        DetectionChunk.objects.filter(id__in=ids).update(
            status=DetectionChunk.Status.PENDING, attempts=0, error="", lease_expires_at=None
        )
        DetectionRun.objects.filter(pk=run.pk).update(
            status=DetectionRun.Status.RUNNING, finished_at=None
        )
        audit_log(
            actor=actor,
            action="detection.retried",
            batch_public_id=run.batch.public_id,
            target=run,
            payload={"run": str(run.public_id), "chunks": len(ids)},
        )
        SourceBatch.objects.filter(pk=run.batch_id).update(status=SourceBatch.Status.DETECTING)
        enqueue_chunks(ids)  # queued once this transaction commits
    return len(ids)


# --- Running a chunk ---------------------------------------------------------------------


def chunk_claim(chunk_id: int, *, worker: str, force: bool = False) -> bool:
    """Claim a chunk with one conditional UPDATE. False if another worker holds it or it is done."""
    now = timezone.now()
    claimable = Q(status=DetectionChunk.Status.PENDING) | Q(
        status=DetectionChunk.Status.RUNNING, lease_expires_at__lt=now
    )
    if force:
        claimable |= Q(status__in=[DetectionChunk.Status.DONE, DetectionChunk.Status.FAILED])
    updated = DetectionChunk.objects.filter(claimable, pk=chunk_id).update(
        status=DetectionChunk.Status.RUNNING,
        attempts=F("attempts") + 1,
        worker=worker[:200],
        started_at=now,
        lease_expires_at=now + timedelta(seconds=settings.VEIL_DETECTION_LEASE_SECONDS),
    )
    return updated == 1


def _is_validation_sample(record_id: int, version: int, rate: float) -> bool:
    return in_sample(rate, version, record_id)


@dataclass(frozen=True)
class ChunkOutcome:
    records: int
    spans: int


def chunk_detect(chunk_id: int, *, worker: str) -> ChunkOutcome:
    """Detect one claimed chunk and store its spans and risk assessments in one transaction."""
    # spaCy takes about a second to import: only workers, never web processes, pay for it.
    from anonymizer.engine.analyzer import detect_many, get_analyzer

    chunk = DetectionChunk.objects.select_related("run__batch", "run__ruleset").get(pk=chunk_id)
    run, batch, ruleset = chunk.run, chunk.run.batch, chunk.run.ruleset
    records = list(
        Record.objects.filter(
            batch=batch, position__gte=chunk.first_position, position__lte=chunk.last_position
        )
        .order_by("position")
        .values_list("id", "text")
    )
    config = ruleset_engine_config(ruleset)
    analyzer = get_analyzer(config)
    # The rule set's calibrated thresholds win over the installation's VEIL_RISK_THRESHOLDS.
    thresholds = RiskThresholds(**{**settings.VEIL_RISK_THRESHOLDS, **config.risk_thresholds})
    spans: list[DetectedSpan] = []
    risks: list[RiskAssessment] = []
    texts = [text for _, text in records]
    for (record_id, text), candidates in zip(
        records, detect_many(texts, analyzer=analyzer), strict=True
    ):
        result = assess_risk(
            text,
            candidates,
            data_class=batch.data_class,
            purpose=batch.purpose,
            thresholds=thresholds,
            validation_sample=_is_validation_sample(
                record_id, ruleset.version, ruleset.validation_sample_rate
            ),
        )
        spans.extend(
            _span_row(c, record_id=record_id, run=run, version=ruleset.version)
            for c in candidates
        )
        risks.append(
            RiskAssessment(
                record_id=record_id,
                run=run,
                tier=result.tier,
                triggers=[{"code": t.code, "detail": dict(t.detail)} for t in result.triggers],
                min_score=min((c.score for c in candidates), default=None),
                span_count=len(candidates),
                ruleset_version=ruleset.version,
            )
        )
    _store_chunk(chunk, worker=worker, record_ids=[r for r, _ in records], spans=spans, risks=risks)
    return ChunkOutcome(records=len(records), spans=len(spans))


def _span_row(c: SpanCandidate, *, record_id: int, run: DetectionRun, version: int) -> DetectedSpan:
    """A candidate as machine output with its provenance, clamped to the columns' limits."""
    return DetectedSpan(
        record_id=record_id,
        run=run,
        start=c.start,
        end=c.end,
        label=c.label,
        score=min(max(float(c.score), 0.0), 1.0),
        recognizer=c.recognizer[:80],
        pattern_name=(c.pattern_name or "")[:80],
        context_word=(c.context_word or "")[:80],
        validated=c.validated,
        ruleset_version=version,
    )


def _store_chunk(
    chunk: DetectionChunk,
    *,
    worker: str,
    record_ids: list[int],
    spans: list[DetectedSpan],
    risks: list[RiskAssessment],
) -> None:
    with transaction.atomic():
        held = (
            DetectionChunk.objects.select_for_update()
            .filter(pk=chunk.pk, status=DetectionChunk.Status.RUNNING, worker=worker[:200])
            .first()
        )
        if held is None:
            log.warning("chunk %s: lease lost before storing; output discarded", chunk.pk)
            return
        DetectedSpan.objects.filter(run_id=chunk.run_id, record_id__in=record_ids).delete()
        RiskAssessment.objects.filter(run_id=chunk.run_id, record_id__in=record_ids).delete()
        DetectedSpan.objects.bulk_create(spans, batch_size=2000)
        RiskAssessment.objects.bulk_create(risks, batch_size=2000)
        review_ids = [r.record_id for r in risks if r.tier != RiskAssessment.Tier.LOW]
        low_ids = [r.record_id for r in risks if r.tier == RiskAssessment.Tier.LOW]
        Record.objects.filter(id__in=review_ids, status__in=MACHINE_STATES).update(
            status=Record.Status.NEEDS_REVIEW
        )
        Record.objects.filter(id__in=low_ids, status__in=MACHINE_STATES).update(
            status=Record.Status.DETECTED
        )
        DetectionChunk.objects.filter(pk=chunk.pk).update(
            status=DetectionChunk.Status.DONE,
            finished_at=timezone.now(),
            lease_expires_at=None,
            record_count=len(record_ids),
            span_count=len(spans),
            error="",
        )
        _finish_run_if_complete(chunk.run_id)


def chunk_fail(chunk_id: int, *, worker: str, error: str) -> bool:
    """Record a failure (error class only). Returns True if the chunk should be tried again."""
    with transaction.atomic():
        chunk = DetectionChunk.objects.select_for_update().get(pk=chunk_id)
        if chunk.status != DetectionChunk.Status.RUNNING or chunk.worker != worker[:200]:
            return False
        retry = chunk.attempts < settings.VEIL_DETECTION_MAX_ATTEMPTS
        chunk.status = DetectionChunk.Status.PENDING if retry else DetectionChunk.Status.FAILED
        chunk.error = error[:300]
        chunk.lease_expires_at = None
        chunk.finished_at = timezone.now()
        chunk.save(update_fields=["status", "error", "lease_expires_at", "finished_at"])
        if not retry:
            _finish_run_if_complete(chunk.run_id)
    return retry


def _finish_run_if_complete(run_id: int) -> None:
    open_chunks = DetectionChunk.objects.filter(
        run_id=run_id, status__in=[DetectionChunk.Status.PENDING, DetectionChunk.Status.RUNNING]
    )
    if open_chunks.exists():
        return
    failed = DetectionChunk.objects.filter(
        run_id=run_id, status=DetectionChunk.Status.FAILED
    ).exists()
    run_status = DetectionRun.Status.FAILED if failed else DetectionRun.Status.DONE
    updated = DetectionRun.objects.filter(pk=run_id, status=DetectionRun.Status.RUNNING).update(
        status=run_status, finished_at=timezone.now()
    )
    if updated:
        batch_status = (
            SourceBatch.Status.DETECTION_FAILED if failed else SourceBatch.Status.DETECTED
        )
        SourceBatch.objects.filter(current_run_id=run_id).update(status=batch_status)
        run = DetectionRun.objects.select_related("batch").get(pk=run_id)
        totals = run.chunks.aggregate(spans=Sum("span_count"), records=Sum("record_count"))
        audit_log(
            actor=None,
            action="detection.finished",
            batch_public_id=run.batch.public_id,
            target=run,
            payload={
                "run": str(run.public_id),
                "status": run_status,
                "spans": totals["spans"] or 0,
                "records": totals["records"] or 0,
                "ruleset_version": run.ruleset_id and run.ruleset.version,
            },
        )
        if not failed:  # queue, sample and auto-clear, once this transaction has committed
            transaction.on_commit(lambda: enqueue("detection", QUEUE_PREPARE_JOB, run_id))
