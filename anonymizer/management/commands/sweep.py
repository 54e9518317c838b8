"""`manage.py sweep`: get lost work going again. Run every VEIL_SWEEP_SECONDS by rq's cron
scheduler while `make run` is up (anonymizer/detection/cron.py), or from cron."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from anonymizer.detection.recovery import detection_sweep
from anonymizer.exports.services import export_sweep
from anonymizer.pipelines.services import pipelines_tick


class Command(BaseCommand):
    help = (
        "Re-queue pending detection chunks and queued exports whose rq job was lost, and give "
        "out again the chunks and exports whose worker died (expired leases). Idempotent: work "
        "whose job is still alive in Redis gets no second job. Each recovery is audited with "
        "its counts. Also runs the pipelines that are due and exports their batches whose "
        "review is cleared. Prints the totals as one JSON object."
    )

    def handle(self, *args: Any, **opts: Any) -> None:
        detection = detection_sweep()
        exports = export_sweep()
        pipelines = pipelines_tick()
        totals = {
            "runs": detection["runs"],
            "chunk_leases_recovered": detection["leases_recovered"],
            "chunks_requeued": detection["chunks_requeued"],
            "handoffs_requeued": detection["handoffs_requeued"],
            "export_leases_recovered": exports["leases_recovered"],
            "exports_requeued": exports["exports_requeued"],
            "partial_folders_removed": exports["partial_folders_removed"],
            **pipelines,
        }
        self.stdout.write(json.dumps(totals, sort_keys=True))
