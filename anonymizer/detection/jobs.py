"""rq jobs of the detection stage. They take ids, claim their work with a conditional update,
and never let record text reach the queue's failure records: errors are stored as the
exception class only."""

from __future__ import annotations

import logging
import os
import socket

from rq import get_current_job

from anonymizer.detection import services

log = logging.getLogger(__name__)


def _worker_name() -> str:
    job = get_current_job()
    return f"{socket.gethostname()}:{os.getpid()}:{job.id if job else 'inline'}"


def detect_chunk(chunk_id: int, force: bool = False) -> dict[str, int] | None:
    worker = _worker_name()
    if not services.chunk_claim(chunk_id, worker=worker, force=force):
        return None  # done already, or another worker holds a live lease on it
    try:
        outcome = services.chunk_detect(chunk_id, worker=worker)
    except Exception as exc:  # noqa: BLE001 - recorded without its message, which may hold text
        error = type(exc).__name__
        log.error("detection chunk %s failed: %s", chunk_id, error)
        if services.chunk_fail(chunk_id, worker=worker, error=error):
            services.enqueue_chunks([chunk_id])
        return None
    return {"records": outcome.records, "spans": outcome.spans}
