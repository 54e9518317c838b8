from __future__ import annotations

import time
import uuid
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from anonymizer.detection import recovery
from anonymizer.detection import services as detection
from anonymizer.detection.selectors import run_progress
from anonymizer.models import DetectionRun, SourceBatch


class Command(BaseCommand):
    help = (
        "Start detection of a batch on the rq workers (or attach to the run in progress). "
        "With --wait, show a progress bar until it ends; exits non-zero if chunks failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("batch_id", help="The batch's public id.")
        parser.add_argument("--wait", action="store_true")
        parser.add_argument("--chunk-size", type=int)
        parser.add_argument("--timeout", type=float, default=0, help="Seconds; 0 waits forever.")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            batch = SourceBatch.objects.get(public_id=uuid.UUID(opts["batch_id"]))
        except (SourceBatch.DoesNotExist, ValueError):
            raise CommandError(f"No batch with id {opts['batch_id']!r}.") from None
        run = detection.detection_start(actor=None, batch=batch, chunk_size=opts["chunk_size"])
        self.stdout.write(
            f"Detection run {run.public_id}: {run.record_count} records in {run.chunk_count} "
            f"chunks, rule set v{run.ruleset.version}."
        )
        if not opts["wait"]:
            return
        self._wait(run, opts["timeout"])

    def _wait(self, run: DetectionRun, timeout: float) -> None:
        started = last_sweep = time.monotonic()
        sweep_every = getattr(settings, "VEIL_SWEEP_SECONDS", 60)
        with tqdm(
            total=run.record_count, unit="rec", desc="Detecting", file=self.stderr._out
        ) as bar:
            while True:
                run.refresh_from_db()
                if time.monotonic() - last_sweep > sweep_every:  # no `manage.py sweep` needed
                    recovery.run_sweep(run)
                    last_sweep = time.monotonic()
                progress = run_progress(run)
                bar.update(progress.records_done - bar.n)
                bar.set_postfix(failed_chunks=progress.chunks_failed, refresh=False)
                if run.status != DetectionRun.Status.RUNNING:
                    break
                if timeout and time.monotonic() - started > timeout:
                    raise CommandError("Timed out waiting for detection; the run goes on.")
                time.sleep(0.5)
        if run.status == DetectionRun.Status.FAILED:
            raise CommandError(
                f"{progress.chunks_failed} chunk(s) failed; retry them from the batch page."
            )
        self.stdout.write(
            f"Done: {progress.records_done} records, {progress.spans} spans"
            + (f", {progress.rate:.0f} records/s." if progress.rate else ".")
        )
