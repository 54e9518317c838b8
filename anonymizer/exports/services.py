"""Exports: approved records, transformed under an approved policy, written apart from the
originals with a manifest. The export table and files never hold raw text."""

from __future__ import annotations

import os
import shutil
import socket
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from anonymizer import permissions
from anonymizer.exports import files
from anonymizer.exports.linkage import release_blocked
from anonymizer.exports.manifest import build_manifest
from anonymizer.exports.residual import ResidualScanError
from anonymizer.exports.selectors import ExportError, export_dir, export_file
from anonymizer.exports.tabular import dp_release, k_anonymize
from anonymizer.exports.utility import utility_report, with_dp
from anonymizer.exports.vault import vault_store_many
from anonymizer.models import ExportedDataset, Policy, SourceBatch
from anonymizer.queues import enqueue as queue_job
from anonymizer.queues import live_job_ids, new_job_id
from audit.services import audit_log

RUN_EXPORT_JOB = "anonymizer.exports.jobs.run_export"
EXPORT_QUEUE = "export"
AGGREGATES_FILE = "aggregates.json"


def export_start(
    *, actor: Any, batch: SourceBatch, policy: Policy, enqueue: bool = True,
    utility_label: str = "",
) -> ExportedDataset:
    """Record an export request; with `enqueue`, a worker runs it (else call run_export).
    `utility_label`: a structured column of the batch the utility report's classifier
    predicts (exports.utility); empty: the report has no task accuracy."""
    if not permissions.may(actor, permissions.ADD_EXPORT):
        raise PermissionDenied("Only admins export.")
    if policy.status != Policy.Status.APPROVED:
        raise ExportError("Only an approved policy can be used for an export.")
    if not policy.fits(batch):
        raise ExportError("This policy is for another data class or purpose than the batch.")
    with transaction.atomic():
        if utility_label and utility_label not in batch.structured_columns:
            raise ExportError("The utility label must be one of the batch's columns.")
        export = ExportedDataset.objects.create(batch=batch, policy=policy, created_by=actor,
                                                utility_label=utility_label)
        payload = {"export": str(export.public_id), "policy": policy.name}
        audit_log(
            actor=actor, action="export.requested", batch_public_id=batch.public_id,
            target=export, payload={**payload, "policy_version": policy.version},
        )
        if enqueue:
            export_enqueue(export.pk)
    return export


def export_enqueue(export_id: int) -> None:
    """Give the export a fresh job id and queue the job once the transaction commits. Raises if
    Redis is unreachable (after the commit: the export stays queued, for the sweep)."""
    job_id = new_job_id("export", export_id)
    with transaction.atomic():
        ExportedDataset.objects.filter(pk=export_id).update(
            job_id=job_id, enqueued_at=timezone.now()
        )
        transaction.on_commit(
            lambda: queue_job(EXPORT_QUEUE, RUN_EXPORT_JOB, export_id, job_id=job_id)
        )


def run_export(
    export_id: int, *, progress: Callable[[int], None] | None = None, worker: str = ""
) -> ExportedDataset:
    """Claim the export (a lease renewed as it writes), write its files, record the outcome.
    A run whose lease another worker took over stops and leaves the export to it."""
    worker = (worker or f"{socket.gethostname()}:{os.getpid()}:inline")[:200]
    claimed = _claim(export_id, worker)
    export = ExportedDataset.objects.select_related("batch", "policy", "created_by").get(
        pk=export_id
    )
    if not claimed:
        return export
    directory = export_dir(export)
    try:
        manifest = _write_files(export, directory, _renewing(export_id, worker, progress))
    except LeaseLost:
        return export
    except Exception as exc:
        shutil.rmtree(directory, ignore_errors=True)
        _record_failure(export, exc, worker)
        raise
    _record_done(export, worker, manifest)
    export.refresh_from_db()
    return export


def _record_done(export: ExportedDataset, worker: str, manifest: dict[str, Any]) -> None:
    """Mark the export done with its manifest, if this worker still holds it, and audit it."""
    with transaction.atomic():
        done = ExportedDataset.objects.filter(_held(export.pk, worker)).update(
            status=ExportedDataset.Status.DONE,
            lease_expires_at=None,
            manifest=manifest,
            finished_at=timezone.now(),
            records_done=manifest["records"]["exported"],
        )
        if not done:  # another worker took the export over after this one's lease ran out
            return
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


def scan_counts(summary: dict[str, Any]) -> dict[str, int]:
    """What the audit trail keeps of a residual scan: its counts."""
    return {k: v for k, v in summary.items() if isinstance(v, int)}


class LeaseLost(Exception):
    """The export's lease ran out and another worker claimed it."""


def _lease() -> timedelta:
    return timedelta(seconds=getattr(settings, "VEIL_EXPORT_LEASE_SECONDS", 300))


def _held(export_id: int, worker: str) -> Q:
    return Q(pk=export_id, status=ExportedDataset.Status.RUNNING, worker=worker)


def _claim(export_id: int, worker: str) -> bool:
    """One conditional UPDATE: a queued export, or a running one whose lease expired."""
    now = timezone.now()
    claimable = Q(status=ExportedDataset.Status.QUEUED) | Q(
        status=ExportedDataset.Status.RUNNING, lease_expires_at__lt=now
    )
    return ExportedDataset.objects.filter(claimable, pk=export_id).update(
        status=ExportedDataset.Status.RUNNING,
        worker=worker,
        attempts=F("attempts") + 1,
        lease_expires_at=now + _lease(),
    ) == 1


def _renewing(
    export_id: int, worker: str, progress: Callable[[int], None] | None
) -> Callable[[int], None]:
    """A progress callback that also renews the lease, and stops the run if it was lost."""

    def renew(done: int) -> None:
        held = ExportedDataset.objects.filter(_held(export_id, worker)).update(
            lease_expires_at=timezone.now() + _lease()
        )
        if not held:
            raise LeaseLost()
        if progress is not None:
            progress(done)

    return renew


def _record_failure(export: ExportedDataset, exc: Exception, worker: str) -> None:
    """Mark the export failed: the class of the error, or the safe message of a refusal by
    the residual scan with its summary (counts and record ids) as the only manifest."""
    error, manifest = type(exc).__name__, {}
    if isinstance(exc, ResidualScanError):
        error, manifest = str(exc)[:300], {"residual_scan": exc.summary}
    with transaction.atomic():
        ExportedDataset.objects.filter(_held(export.pk, worker)).update(
            status=ExportedDataset.Status.FAILED,
            lease_expires_at=None,
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
    tmp = _fresh_partial(directory)
    utility = None
    try:
        tally = files.write_records(export, tmp, plan, progress)
        scan = tally.residual.check()  # raises before anything is stored or published
        # The utility figures in a worker process (on a batch large enough for the parallel
        # path) while this one stores the vault entries and writes the manifest.
        parallel = files.export_workers(export.batch.record_count) > 0
        utility = files.Background(utility_report, tally, plan, parallel=parallel)
        vault_store_many(export.policy.linkage_domain, tally.vault, tally.ciphers)
        entries = {name: files.file_entry(tmp / name) for name in files.RECORD_FILES}
        manifest = build_manifest(export, tally, entries, plan)
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
        manifest["utility"] = with_dp(utility.result(), manifest.get("differential_privacy"))
        files.write_json(tmp, ExportedDataset.MANIFEST_FILE, manifest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        if utility is not None:
            utility.close()
    _publish(tmp, directory)
    return manifest


def export_download_path(
    *, actor: Any, export: ExportedDataset, name: str, ip_address: str | None = None
) -> Path:
    """The path of one file of a finished export; the download is audited. Refused while the
    export's policy requires a passed linkage test that it has not had."""
    if not permissions.may(actor, permissions.DOWNLOAD_EXPORT):
        raise PermissionDenied("Only admins download exports.")
    blocked = release_blocked(export)
    if blocked:
        raise PermissionDenied(blocked)
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


# --- The sweep: exports whose worker died or whose job was lost --------------------------


def export_sweep() -> Counter[str]:
    """Queue again the running exports whose lease expired (their worker died) and the queued
    ones whose job Redis no longer holds (queued longer ago than VEIL_SWEEP_PENDING_SECONDS);
    each audited with the reason. An export whose job is alive gets no second job."""
    now = timezone.now()
    grace = timedelta(seconds=getattr(settings, "VEIL_SWEEP_PENDING_SECONDS", 30))
    counts: Counter[str] = Counter(leases_recovered=0, exports_requeued=0)
    # ... and removes the partial folders of exports that are not running (a dead worker's)
    with transaction.atomic():
        open_exports = ExportedDataset.objects.select_for_update(skip_locked=True)
        stale = list(
            open_exports.filter(status=ExportedDataset.Status.RUNNING).filter(
                Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True)
            )
        )
        waiting = list(
            open_exports.filter(status=ExportedDataset.Status.QUEUED).filter(
                Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - grace)
            )
        )
        alive = live_job_ids(EXPORT_QUEUE, [e.job_id for e in waiting])
        for export in stale:
            _requeue(export, "lease_expired")
        for export in (e for e in waiting if e.job_id not in alive):
            _requeue(export, "job_lost")
            counts["exports_requeued"] += 1
        counts["leases_recovered"] = len(stale)
    counts["partial_folders_removed"] = len(_sweep_partials(Path(settings.VEIL_EXPORT_DIR)))
    return counts


def _requeue(export: ExportedDataset, reason: str) -> None:
    ExportedDataset.objects.filter(pk=export.pk).update(
        status=ExportedDataset.Status.QUEUED, lease_expires_at=None
    )
    export_enqueue(export.pk)
    audit_log(
        actor=None,
        action="export.requeued",
        batch_public_id=SourceBatch.objects.values_list("public_id", flat=True).get(
            pk=export.batch_id
        ),
        target=export,
        payload={"export": str(export.public_id), "reason": reason},
    )


# --- The partial directory: an export's files are published whole -----------------------

PARTIAL = ".partial"


def _private_dir(path: Path) -> None:
    """Create `path` (and missing parents) owner-only: 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)


def _fresh_partial(directory: Path) -> Path:
    if not directory.parent.exists():
        _private_dir(directory.parent)
    _sweep_partials(directory.parent)
    tmp = directory.with_name(directory.name + PARTIAL)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(mode=0o700)
    tmp.chmod(0o700)
    return tmp


def _sweep_partials(root: Path) -> list[str]:
    """Remove the partial folders under `root` whose export is not running (left by a worker
    that died mid-export, or by an export since failed or redone); returns their names."""
    running = {
        str(pid)
        for pid in ExportedDataset.objects.filter(
            status=ExportedDataset.Status.RUNNING
        ).values_list("public_id", flat=True)
    }
    removed = []
    for path in root.glob(f"*{PARTIAL}"):
        if path.is_dir() and path.name[: -len(PARTIAL)] not in running:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def _publish(tmp: Path, directory: Path) -> None:
    """Replace the export's directory by the finished one in one rename; if that fails, the
    partial folder goes too (nothing half-written stays behind)."""
    try:
        shutil.rmtree(directory, ignore_errors=True)
        tmp.rename(directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
