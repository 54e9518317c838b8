"""Putting work on the rq queues. Jobs are named by dotted path, so no stage imports another
stage's jobs module, and an enqueue failure raises: nothing ever runs inline in a request."""

from __future__ import annotations

from typing import Any

import django_rq

RESULT_TTL = 3600
FAILURE_TTL = 7 * 24 * 3600


def enqueue(queue: str, job: str, *args: Any, **options: Any) -> None:
    """Queue `job` (e.g. "anonymizer.exports.jobs.run_export") with `args` on `queue`."""
    options.setdefault("result_ttl", RESULT_TTL)
    options.setdefault("failure_ttl", FAILURE_TTL)
    django_rq.get_queue(queue).enqueue(job, *args, **options)


def enqueue_many(queue: str, job: str, arg_lists: list[tuple[Any, ...]], **options: Any) -> None:
    """Queue one job per argument tuple in a single Redis round trip."""
    options.setdefault("result_ttl", RESULT_TTL)
    options.setdefault("failure_ttl", FAILURE_TTL)
    rq_queue = django_rq.get_queue(queue)
    with rq_queue.connection.pipeline() as pipe:
        for args in arg_lists:
            rq_queue.enqueue(job, *args, pipeline=pipe, **options)
        pipe.execute()
