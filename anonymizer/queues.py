"""Putting work on the rq queues. Jobs are named by dotted path, so no stage imports another
stage's jobs module, and an enqueue failure raises: nothing ever runs inline in a request.

Rows that stand for queued work (detection chunks, exports) keep the id of the job last queued
for them (`new_job_id`), so the sweep can ask Redis whether that job is still alive
(`live_job_ids`) before queueing another one."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import django_rq
from django.utils import timezone
from rq import Queue, Worker
from rq.job import Job, JobStatus

RESULT_TTL = 3600
FAILURE_TTL = 7 * 24 * 3600
# A started job whose worker has not sent a heartbeat for this long died with its worker (rq's
# workers beat every 30 s or so while a job runs).
STARTED_HEARTBEAT_GRACE = timedelta(seconds=120)
_WAITING = {JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED, JobStatus.CREATED}


def new_job_id(kind: str, pk: int) -> str:
    """A fresh job id naming the row it works on, e.g. "detect-chunk-12-3f2a9c0d1e7b"."""
    return f"{kind}-{pk}-{uuid.uuid4().hex[:12]}"


def enqueue(queue: str, job: str, *args: Any, **options: Any) -> None:
    """Queue `job` (e.g. "anonymizer.exports.jobs.run_export") with `args` on `queue`."""
    options.setdefault("result_ttl", RESULT_TTL)
    options.setdefault("failure_ttl", FAILURE_TTL)
    django_rq.get_queue(queue).enqueue(job, *args, **options)


def enqueue_many(
    queue: str,
    job: str,
    arg_lists: list[tuple[Any, ...]],
    job_ids: list[str] | None = None,
    **options: Any,
) -> None:
    """Queue one job per argument tuple (with the matching id of `job_ids`, if given) in a
    single Redis round trip."""
    options.setdefault("result_ttl", RESULT_TTL)
    options.setdefault("failure_ttl", FAILURE_TTL)
    ids: list[str | None] = list(job_ids) if job_ids is not None else [None] * len(arg_lists)
    rq_queue = django_rq.get_queue(queue)
    with rq_queue.connection.pipeline() as pipe:
        for args, job_id in zip(arg_lists, ids, strict=True):
            rq_queue.enqueue(job, *args, job_id=job_id, pipeline=pipe, **options)
        pipe.execute()


def live_job_ids(queue: str, job_ids: Iterable[str]) -> set[str]:
    """Those of `job_ids` whose job Redis still holds waiting or running: not finished, failed,
    stopped or lost (Redis restarted without its data), nor started by a worker that died."""
    wanted = [job_id for job_id in job_ids if job_id]
    if not wanted:
        return set()
    connection = django_rq.get_queue(queue).connection
    now = timezone.now()
    return {
        job.id
        for job in Job.fetch_many(wanted, connection=connection)
        if job is not None and _is_alive(job, now)
    }


def _is_alive(job: Job, now: datetime) -> bool:
    status = job.get_status(refresh=False)
    if status in _WAITING:
        return True
    if status != JobStatus.STARTED:
        return False
    beat = job.last_heartbeat or job.started_at
    return beat is not None and now - beat < STARTED_HEARTBEAT_GRACE


QUEUE_NAMES = ("default", "detection", "export")
# A worker that has not sent a heartbeat for this long is counted dead (rq beats every few
# seconds while idle and while a job runs; its own key expires after a few minutes).
WORKER_HEARTBEAT_GRACE = timedelta(seconds=90)


def queue_depths(connection: Any = None) -> dict[str, int]:
    """Jobs waiting on each Veil queue (queued, not yet started). `connection`: a Redis client
    to ask instead of the queues' own (the health probe passes one that gives up quickly)."""
    return {
        name: (Queue(name, connection=connection) if connection is not None
               else django_rq.get_queue(name)).count
        for name in QUEUE_NAMES
    }


def workers_alive(connection: Any = None) -> list[dict[str, Any]]:
    """The rq workers registered in Redis that beat within WORKER_HEARTBEAT_GRACE: name, state
    (idle/busy), queues, last heartbeat (datetime) and jobs done; sorted by name."""
    connection = connection if connection is not None else django_rq.get_connection("default")
    now = timezone.now()
    alive = []
    for worker in Worker.all(connection=connection):
        beat = worker.last_heartbeat
        if beat is not None and beat.tzinfo is None:
            beat = timezone.make_aware(beat, timezone.utc)
        if beat is None or now - beat > WORKER_HEARTBEAT_GRACE:
            continue
        alive.append({
            "name": worker.name,
            "state": str(worker.get_state()),
            "queues": worker.queue_names(),
            "last_heartbeat": beat,
            "jobs_done": worker.successful_job_count,
            "jobs_failed": worker.failed_job_count,
        })
    return sorted(alive, key=lambda w: w["name"])
