"""rq jobs of the review app, enqueued by dotted path ("review.jobs.queue_prepare_for_run", on
the "detection" queue when a run finishes). Like every job, they take ids and never let record
text reach the log or the queue's failure records: an error is recorded by its class only."""

from __future__ import annotations

import logging
from dataclasses import asdict

from review import services

log = logging.getLogger(__name__)


class JobFailed(Exception):
    """Raised in place of the real error, whose message may hold record text: rq records the job
    as failed (so it can be retried; building the queue is idempotent) with the class name only.
    """


def queue_prepare_for_run(run_id: int) -> dict[str, int]:
    """Build the review queue of a finished run; the counts queued, sampled and auto-cleared."""
    try:
        prepared = services.queue_prepare_for_run(run_id=run_id)
    except Exception as exc:  # noqa: BLE001 - recorded without its message, which may hold text
        error = type(exc).__name__
        log.error("review queue for run %s failed: %s", run_id, error)
        raise JobFailed(error) from None
    return asdict(prepared)
