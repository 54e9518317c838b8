"""rq jobs of the export stage, enqueued by dotted path."""

from __future__ import annotations

import logging
import os
import socket

from rq import get_current_job

from anonymizer.exports import services

log = logging.getLogger(__name__)


def run_export(export_id: int) -> None:
    job = get_current_job()
    worker = f"{socket.gethostname()}:{os.getpid()}:{job.id if job else 'inline'}"
    try:
        services.run_export(export_id, worker=worker)
    except Exception as exc:  # noqa: BLE001 - recorded on the export by class only
        log.error("export %s failed: %s", export_id, type(exc).__name__)
