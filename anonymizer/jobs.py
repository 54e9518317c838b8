"""rq jobs. They take ids, claim their work with a conditional update, and never let record
text reach the queue's failure records: errors are stored as the exception class only."""

from __future__ import annotations

import logging
import os
import socket

from anonymizer import detection

log = logging.getLogger(__name__)


def _worker_name() -> str:
    try:
        from rq import get_current_job

        job = get_current_job()
        job_part = job.id if job else "inline"
    except Exception:  # outside a worker
        job_part = "inline"
    return f"{socket.gethostname()}:{os.getpid()}:{job_part}"


def detect_chunk(chunk_id: int, force: bool = False) -> dict[str, int] | None:
    worker = _worker_name()
    if not detection.chunk_claim(chunk_id, worker=worker, force=force):
        return None  # done already, or another worker holds a live lease on it
    try:
        outcome = detection.chunk_detect(chunk_id, worker=worker)
    except Exception as exc:  # noqa: BLE001 - recorded without its message, which may hold text
        error = type(exc).__name__
        log.error("detection chunk %s failed: %s", chunk_id, error)
        if detection.chunk_fail(chunk_id, worker=worker, error=error):
            detection.enqueue_chunks([chunk_id])
        return None
    return {"records": outcome.records, "spans": outcome.spans}


def run_export(export_id: int) -> None:
    from anonymizer.export import run_export as _run

    try:
        _run(export_id)
    except Exception as exc:  # noqa: BLE001 - recorded on the export by class only
        log.error("export %s failed: %s", export_id, type(exc).__name__)
