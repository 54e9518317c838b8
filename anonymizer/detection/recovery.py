"""Queueing detection chunks, and getting lost work going again.

Each chunk keeps the id of the rq job last queued for it. Work is lost in three ways: a worker
dies holding a chunk (its lease expires: `run_recover_stale`), Redis loses its jobs (restarted
without its data), or the enqueue after the commit failed (both leave pending chunks whose job
Redis does not hold: `run_requeue_pending`). A finished run's hand-off job (the review queue)
can be lost the same way: `handoffs_requeue`. The sweep (`detection_sweep`, run by
`manage.py sweep`) does all three; "start again" on the batch page re-queues
what is pending. Re-queueing is idempotent: a chunk whose job is still alive gets no second
job, and the claim and store steps keep a chunk detected twice to one set of spans.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from anonymizer.models import DetectionChunk, DetectionRun, Record
from anonymizer.queues import enqueue, enqueue_many, live_job_ids, new_job_id
from audit.services import audit_log

log = logging.getLogger(__name__)

DETECT_CHUNK_JOB = "anonymizer.detection.jobs.detect_chunk"
HANDOFF_JOB = "review.jobs.queue_prepare_for_run"
QUEUE = "detection"


def pending_grace() -> timedelta:
    """How long a pending chunk's job may be missing before the sweep queues another: a chunk
    committed a moment ago may not be queued yet."""
    return timedelta(seconds=getattr(settings, "VEIL_SWEEP_PENDING_SECONDS", 30))


def enqueue_chunks(chunk_ids: list[int]) -> None:
    """Give each chunk a fresh job id and queue the jobs once the transaction commits. Raises
    if Redis is unreachable, never runs inline: the chunks stay pending for the sweep."""
    if not chunk_ids:
        return
    now = timezone.now()
    jobs = {chunk_id: new_job_id("detect-chunk", chunk_id) for chunk_id in chunk_ids}
    with transaction.atomic():
        DetectionChunk.objects.bulk_update(
            [DetectionChunk(pk=pk, job_id=job_id, enqueued_at=now) for pk, job_id in jobs.items()],
            ["job_id", "enqueued_at"],
            batch_size=500,
        )
        # rq describes each job as its call, "...detect_chunk(<chunk id>)".
        transaction.on_commit(
            lambda: enqueue_many(
                QUEUE, DETECT_CHUNK_JOB, [(pk,) for pk in jobs], job_ids=list(jobs.values())
            )
        )


def run_recover_stale(run: DetectionRun) -> int:
    """Give out again the chunks whose worker died (lease expired). Returns how many."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            run.chunks.select_for_update(skip_locked=True)
            .filter(status=DetectionChunk.Status.RUNNING, lease_expires_at__lt=now)
            .values_list("id", flat=True)
        )
        if not ids:
            return 0
        DetectionChunk.objects.filter(id__in=ids).update(
            status=DetectionChunk.Status.PENDING, lease_expires_at=None
        )
        log.warning("detection run %s: %d stale chunk(s) given out again", run.pk, len(ids))
        enqueue_chunks(ids)
    return len(ids)


def run_requeue_pending(run: DetectionRun, *, older_than: timedelta | None = None) -> int:
    """Queue again the run's pending chunks whose job Redis no longer holds; with `older_than`,
    only those queued longer ago than that. Returns how many."""
    with transaction.atomic():
        pending = run.chunks.select_for_update(skip_locked=True).filter(
            status=DetectionChunk.Status.PENDING
        )
        if older_than is not None:
            pending = pending.filter(
                Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=timezone.now() - older_than)
            )
        rows = list(pending.values_list("id", "job_id"))
        alive = live_job_ids(QUEUE, [job_id for _, job_id in rows])
        lost = [pk for pk, job_id in rows if job_id not in alive]
        enqueue_chunks(lost)
    if lost:
        log.warning("detection run %s: %d pending chunk(s) queued again", run.pk, len(lost))
    return len(lost)


def run_sweep(run: DetectionRun) -> Counter[str]:
    """Recover the run's expired leases and lost jobs, audited with the counts."""
    with transaction.atomic():
        # Pending first: a chunk whose lease is recovered here is queued only at the commit.
        requeued = run_requeue_pending(run, older_than=pending_grace())
        counts = Counter(leases_recovered=run_recover_stale(run), chunks_requeued=requeued)
        if sum(counts.values()):
            audit_log(
                actor=None,
                action="detection.swept",
                batch_public_id=run.batch.public_id,
                target=run,
                payload={"run": str(run.public_id), **counts},
            )
    return counts


def detection_sweep() -> Counter[str]:
    """`run_sweep` for every running run, then `handoffs_requeue`; the totals."""
    totals: Counter[str] = Counter(runs=0, leases_recovered=0, chunks_requeued=0)
    for run in DetectionRun.objects.filter(status=DetectionRun.Status.RUNNING).select_related(
        "batch"
    ):
        totals.update(run_sweep(run))
        totals["runs"] += 1
    totals["handoffs_requeued"] = handoffs_requeue()
    return totals


def handoffs_requeue() -> int:
    """Queue again the hand-off job of each finished current run (longer ago than the grace)
    whose batch still has records the job sorts (`detected`, or `needs_review` with no review
    item): the job that puts them into review or auto-clears them was lost. The job is
    idempotent; its id names the run, so a hand-off still waiting in Redis gets no second one."""
    lost = DetectionRun.objects.filter(
        status=DetectionRun.Status.DONE,
        batch__current_run=F("pk"),
        finished_at__lt=timezone.now() - pending_grace(),
    ).filter(Exists(Record.objects.filter(batch=OuterRef("batch")).filter(
        Q(status=Record.Status.DETECTED)
        | Q(status=Record.Status.NEEDS_REVIEW, review_item__isnull=True)
    )))
    runs = list(lost.select_related("batch"))
    alive = live_job_ids(QUEUE, [f"handoff-{run.pk}" for run in runs])
    queued = 0
    for run in runs:
        if f"handoff-{run.pk}" in alive:
            continue
        enqueue(QUEUE, HANDOFF_JOB, run.pk, job_id=f"handoff-{run.pk}")
        audit_log(actor=None, action="detection.handoff_requeued",
                  batch_public_id=run.batch.public_id, target=run,
                  payload={"run": str(run.public_id)})
        queued += 1
    return queued
