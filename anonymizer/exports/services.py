"""Exports: approved records, transformed under an approved policy, written apart from the
originals with a manifest. The export table and files never hold raw text."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from anonymizer import permissions
from anonymizer.exports import files
from anonymizer.exports.manifest import build_manifest
from anonymizer.exports.residual import ResidualScanError
from anonymizer.exports.selectors import ExportError, export_dir, export_file
from anonymizer.exports.tabular import dp_release, k_anonymize
from anonymizer.exports.vault import vault_store_many
from anonymizer.models import ExportedDataset, Policy, SourceBatch
from anonymizer.queues import enqueue as queue_job
from audit.services import audit_log

RUN_EXPORT_JOB = "anonymizer.exports.jobs.run_export"
AGGREGATES_FILE = "aggregates.json"


def export_start(
    *, actor: Any, batch: SourceBatch, policy: Policy, enqueue: bool = True
) -> ExportedDataset:
    """Record an export request; with `enqueue`, a worker runs it (else call run_export)."""
    if not permissions.may(actor, permissions.ADD_EXPORT):
        raise PermissionDenied("Only admins export.")
    if policy.status != Policy.Status.APPROVED:
        raise ExportError("Only an approved policy can be used for an export.")
    if not policy.fits(batch):
        raise ExportError("This policy is for another data class or purpose than the batch.")
    with transaction.atomic():
        export = ExportedDataset.objects.create(batch=batch, policy=policy, created_by=actor)
        payload = {"export": str(export.public_id), "policy": policy.name}
        audit_log(
            actor=actor, action="export.requested", batch_public_id=batch.public_id,
            target=export, payload={**payload, "policy_version": policy.version},
        )
        if enqueue:
            transaction.on_commit(lambda: queue_job("export", RUN_EXPORT_JOB, export.pk))
    return export


def run_export(export_id: int, *, progress: Callable[[int], None] | None = None) -> ExportedDataset:
    claimed = ExportedDataset.objects.filter(
        pk=export_id, status=ExportedDataset.Status.QUEUED
    ).update(status=ExportedDataset.Status.RUNNING)
    export = ExportedDataset.objects.select_related("batch", "policy", "created_by").get(
        pk=export_id
    )
    if not claimed:
        return export
    directory = export_dir(export)
    try:
        manifest = _write_files(export, directory, progress)
    except Exception as exc:
        shutil.rmtree(directory, ignore_errors=True)
        _record_failure(export, exc)
        raise
    with transaction.atomic():
        ExportedDataset.objects.filter(pk=export.pk).update(
            status=ExportedDataset.Status.DONE,
            manifest=manifest,
            finished_at=timezone.now(),
            records_done=manifest["records"]["exported"],
        )
        audit_log(
            actor=export.created_by,
            action="export.created",
            batch_public_id=export.batch.public_id,
            target=export,
            payload={
                "export": str(export.public_id),
                "files": {k: v["sha256"] for k, v in manifest["files"].items()},
                "records": manifest["records"]["exported"],
                "residual_scan": scan_counts(manifest["residual_scan"]),
            },
        )
    export.refresh_from_db()
    return export


def scan_counts(summary: dict[str, Any]) -> dict[str, int]:
    """What the audit trail keeps of a residual scan: its counts."""
    return {k: v for k, v in summary.items() if isinstance(v, int)}


def _record_failure(export: ExportedDataset, exc: Exception) -> None:
    """Mark the export failed: the class of the error, or the safe message of a refusal by
    the residual scan with its summary (counts and record ids) as the only manifest."""
    error, manifest = type(exc).__name__, {}
    if isinstance(exc, ResidualScanError):
        error, manifest = str(exc)[:300], {"residual_scan": exc.summary}
    with transaction.atomic():
        ExportedDataset.objects.filter(pk=export.pk).update(
            status=ExportedDataset.Status.FAILED,
            error=error,
            manifest=manifest,
            finished_at=timezone.now(),
        )
        if isinstance(exc, ResidualScanError):
            audit_log(
                actor=export.created_by,
                action="export.refused",
                batch_public_id=export.batch.public_id,
                target=export,
                payload={"export": str(export.public_id), **scan_counts(exc.summary)},
            )


def _write_files(
    export: ExportedDataset, directory: Path, progress: Callable[[int], None] | None
) -> dict[str, Any]:
    """Records, then aggregates, then the manifest into a partial directory, published whole."""
    kept = files.kept_columns(export.batch, export.policy.column_rules)
    suppressed, generalized, tabular = k_anonymize(export.batch, export.policy, kept)
    plan = files.make_plan(export, kept, suppressed, generalized)
    tmp = files.fresh_partial(directory)
    try:
        tally = files.write_records(export, tmp, plan, progress)
        scan = tally.residual.check()  # raises before anything is stored or published
        vault_store_many(export.policy.linkage_domain, tally.vault)
        entries = {name: files.file_entry(tmp / name) for name in files.RECORD_FILES}
        manifest = build_manifest(export, tally, entries, kept)
        manifest["residual_scan"] = scan
        if tabular is not None:
            manifest["tabular"] = tabular
        aggregates = dp_release(export, kept)
        if aggregates is not None:
            files.write_json(tmp, AGGREGATES_FILE, aggregates)
            manifest["files"][AGGREGATES_FILE] = files.file_entry(tmp / AGGREGATES_FILE)
            manifest["differential_privacy"] = {
                k: v for k, v in aggregates.items() if k != "groups"
            }
        files.write_json(tmp, ExportedDataset.MANIFEST_FILE, manifest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    files.publish(tmp, directory)
    return manifest


def export_download_path(
    *, actor: Any, export: ExportedDataset, name: str, ip_address: str | None = None
) -> Path:
    """The path of one file of a finished export; the download is audited."""
    if not permissions.may(actor, permissions.DOWNLOAD_EXPORT):
        raise PermissionDenied("Only admins download exports.")
    path = export_file(export, name)
    if path is None:
        raise ExportError("No such file.")
    audit_log(
        actor=actor,
        action="export.downloaded",
        batch_public_id=export.batch.public_id,
        target=export,
        payload={"export": str(export.public_id), "file": name},
        ip_address=ip_address,
    )
    return path
