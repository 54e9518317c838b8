"""Detection on every core: the texts split into contiguous slices, one forked process each.

The analyzer (spaCy model, rules, gazetteers) is built once in the parent; forked children
share its memory pages and start in milliseconds, where a spawned process would load the
model again. Each child runs `detect_many` over its slice and sends the spans back; the
results come back in input order, identical to a single-process run. Where fork is not
available, or for few texts, it runs in this process.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from typing import Any

from anonymizer.engine.types import SpanCandidate

MIN_TEXTS_PER_PROCESS = 200  # below this a second process costs more than it saves

_analyzer: Any = None  # the parent's analyzer, inherited by the forked children
_batch_size = 64


def default_processes() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def detect_parallel(
    texts: Sequence[str], *, analyzer: Any, processes: int, batch_size: int = 64
) -> list[list[SpanCandidate]]:
    """Spans for each text, in order, using up to `processes` processes."""
    # Imported here: analyzer imports spaCy, which only a detection run should pay for.
    from anonymizer.engine.analyzer import detect_many

    processes = min(processes, len(texts) // MIN_TEXTS_PER_PROCESS)
    if processes <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return list(detect_many(texts, analyzer=analyzer, batch_size=batch_size))
    global _analyzer, _batch_size
    _analyzer, _batch_size = analyzer, batch_size
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_detect_slice, _slices(texts, processes))
    finally:
        _analyzer = None
    return [spans for part in parts for spans in part]


def _slices(texts: Sequence[str], n: int) -> list[list[str]]:
    """`n` contiguous slices of about the same number of characters."""
    total = sum(len(t) for t in texts) or 1
    slices: list[list[str]] = [[] for _ in range(n)]
    done = 0
    for text in texts:
        index = min(n - 1, done * n // total)
        slices[index].append(text)
        done += len(text)
    return slices


def _detect_slice(texts: list[str]) -> list[list[SpanCandidate]]:
    # Imported here: runs in a forked child, where the parent already imported it.
    from anonymizer.engine.analyzer import detect_many

    return list(detect_many(texts, analyzer=_analyzer, batch_size=_batch_size))
