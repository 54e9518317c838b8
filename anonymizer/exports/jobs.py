"""rq jobs of the export stage, enqueued by dotted path."""

from __future__ import annotations

import logging

from anonymizer.exports import services

log = logging.getLogger(__name__)


def run_export(export_id: int) -> None:
    try:
        services.run_export(export_id)
    except Exception as exc:  # noqa: BLE001 - recorded on the export by class only
        log.error("export %s failed: %s", export_id, type(exc).__name__)
