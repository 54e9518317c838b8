"""Chunks of an export, serially or in forked worker processes (exports.files uses it): the
workers inherit JOB (the export's plan and residual scan) at fork; results come back in order."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from django.conf import settings

CHUNK = 2000
Spans = dict[int, list[tuple[int, int, str]]]


PARALLEL_MIN = 2 * CHUNK  # records: below this an export stays in one process
IN_FLIGHT = 2  # chunks queued per worker beyond the one it works on: bounded memory
READ_ONCE_MB = 128  # the default of read_once_budget: the records of about 150,000 tickets
JOB: dict[str, Any] = {}  # what forked workers inherit: the export's plan and scan


def export_workers(total: int) -> int:
    """Worker processes for an export of `total` records: VEIL_EXPORT_WORKERS when set (0 or
    1: serial), else up to two on a machine with more than one core for a batch of at least
    PARALLEL_MIN records; 0 means serial."""
    setting = getattr(settings, "VEIL_EXPORT_WORKERS", None)
    if setting is None:
        setting = min(2, os.cpu_count() or 1) if total >= PARALLEL_MIN else 0
    return int(setting) if int(setting) > 1 else 0


def in_order(
    work: Callable[[Any], Any],
    chunks: Iterator[tuple[int, Any]],
    workers: int,
    done: Callable[[int, Any], None],
) -> None:
    """done(n, work(chunk)) for each (n, chunk) of `chunks` (n: its records), in order. With
    `workers`, the work runs in that many forked processes (inheriting JOB) while this one
    reads the next chunks; a worker's error (or its death: BrokenProcessPool) is raised here."""
    if not workers:
        for n, chunk in chunks:
            done(n, work(chunk))
        return
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"))
    try:
        pending: deque[tuple[int, Future[Any]]] = deque()
        for n, chunk in chunks:
            pending.append((n, pool.submit(work, chunk)))
            if len(pending) > workers * IN_FLIGHT:
                count, future = pending.popleft()
                done(count, future.result())
        while pending:
            count, future = pending.popleft()
            done(count, future.result())
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def read_once_budget() -> int:
    """Bytes of a batch's records and spans an export keeps after its first pass, so that the
    second need not read them again: VEIL_EXPORT_READ_ONCE_MB (0: read both times)."""
    return max(0, int(getattr(settings, "VEIL_EXPORT_READ_ONCE_MB", READ_ONCE_MB))) << 20


class Background:
    """fn(*args) in one forked process (which inherits the arguments: nothing is copied to
    it) while this one goes on; in this process, at once, unless `parallel`."""

    def __init__(self, fn: Callable[..., Any], *args: Any, parallel: bool) -> None:
        self._pool: ProcessPoolExecutor | None = None
        if not parallel:
            self._value = fn(*args)
            return
        JOB["background"] = (fn, args)
        try:  # the fork happens in submit (the fork context starts its processes there)
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"))
            self._future = self._pool.submit(_run_background)
        finally:
            JOB.pop("background", None)

    def result(self) -> Any:
        if self._pool is None:
            return self._value
        try:
            return self._future.result()
        finally:
            self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def _run_background() -> Any:
    fn, args = JOB["background"]
    return fn(*args)


