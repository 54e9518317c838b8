"""Jobs run in the test process, in the order real workers run them, for unit tests that
call job functions directly (integration tests use real rq workers: tests/workers.py)."""

from __future__ import annotations

from typing import Any

from rq.utils import import_attribute

from anonymizer.detection import jobs
from anonymizer.detection.services import QUEUE_PREPARE_JOB


def run_detection(run: Any, *, force: bool = False) -> None:
    """Every chunk of the run, then the hand-off job that builds the review queue (a worker
    runs it once the last chunk's transaction has committed), found by its dotted path."""
    for chunk_id in run.chunks.values_list("id", flat=True):
        jobs.detect_chunk(chunk_id, force=force)
    import_attribute(QUEUE_PREPARE_JOB)(run.pk)
