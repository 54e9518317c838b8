"""Reads for detection runs: progress of a run, for the batch page and the command line."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Sum
from django.utils import timezone

from anonymizer.models import DetectionRun


@dataclass(frozen=True)
class RunProgress:
    run: DetectionRun
    chunks_total: int
    chunks_done: int
    chunks_failed: int
    chunks_running: int
    chunks_pending: int
    records_total: int
    records_done: int
    spans: int
    rate: float | None  # records per second
    eta_seconds: float | None

    @property
    def percent(self) -> int:
        return int(100 * self.records_done / self.records_total) if self.records_total else 100

    @property
    def is_running(self) -> bool:
        return self.run.status == DetectionRun.Status.RUNNING


def run_progress(run: DetectionRun) -> RunProgress:
    rows = {
        row["status"]: row
        for row in run.chunks.values("status")
        .annotate(n=Count("id"), records=Sum("record_count"), spans=Sum("span_count"))
        .order_by()
    }

    def get(status: str, key: str) -> int:
        return int(rows.get(status, {}).get(key) or 0)

    done_records = get("done", "records")
    elapsed = ((run.finished_at or timezone.now()) - run.created_at).total_seconds()
    rate = done_records / elapsed if elapsed > 0 and done_records else None
    remaining = run.record_count - done_records
    return RunProgress(
        run=run,
        chunks_total=run.chunk_count,
        chunks_done=get("done", "n"),
        chunks_failed=get("failed", "n"),
        chunks_running=get("running", "n"),
        chunks_pending=get("pending", "n"),
        records_total=run.record_count,
        records_done=done_records,
        spans=get("done", "spans"),
        rate=rate,
        eta_seconds=remaining / rate
        if rate and run.status == DetectionRun.Status.RUNNING
        else None,
    )
