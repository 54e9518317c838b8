"""Pipelines: create, run (import the new files of the source folder, queue detection), and
export each batch whose review is cleared. Every step is audited with ids and counts only.

A run reads the folder once; each regular file (hidden files and sub-folders are skipped) is
hashed, and a hash the pipeline has seen is not imported again. A file that fails to import
leaves no batch (the import is all or nothing) and is recorded, with the import's error, so
that it is not retried until it changes. The sweep (`manage.py sweep`, every minute under `make
run`) calls `pipelines_tick`: due pipelines run, and cleared batches are exported.
"""

from __future__ import annotations

import hashlib
import logging
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from anonymizer import permissions
from anonymizer.batches.ingest import IngestError
from anonymizer.batches.selectors import Stage, batches_with_stage
from anonymizer.batches.services import batch_import_and_detect
from anonymizer.exports.services import ExportError, export_start
from anonymizer.models import Pipeline, PipelineFile, PipelineRun, Policy, SourceBatch
from audit.services import audit_log

log = logging.getLogger(__name__)
HASH_CHUNK = 1 << 20


def pipeline_roots() -> list[Path]:
    """The folders pipelines may read (VEIL_PIPELINE_ROOTS), resolved."""
    return [Path(p).resolve() for p in settings.VEIL_PIPELINE_ROOTS]


def check_source_dir(path: str) -> Path:
    """The source folder, resolved, if it lies inside an allowed root; else ValidationError.
    A pipeline never reads outside those roots, whatever an admin types."""
    if not path.strip():
        raise ValidationError("Name the folder the pipeline reads.")
    resolved = Path(path).expanduser().resolve()
    roots = pipeline_roots()
    if not any(resolved == root or root in resolved.parents for root in roots):
        shown = ", ".join(str(r) for r in roots) or "(none configured)"
        raise ValidationError(f"The folder must be inside one of VEIL_PIPELINE_ROOTS: {shown}.")
    return resolved


def latest_approved(policy_name: str) -> Policy | None:
    return (Policy.objects.filter(name=policy_name, status=Policy.Status.APPROVED)
            .order_by("-version").first())


def pipeline_create(*, actor: Any, **fields: Any) -> Pipeline:
    if not permissions.may(actor, permissions.ADD_PIPELINE):
        raise PermissionDenied("Only admins create pipelines.")
    fields["source_dir"] = str(check_source_dir(fields["source_dir"]))
    if not Policy.objects.filter(name=fields["policy_name"]).exists():
        raise ValidationError("There is no policy of that name.")
    with transaction.atomic():
        pipeline = Pipeline.objects.create(owner=actor, **fields)
        audit_log(actor=actor, action="pipeline.created", target=pipeline, payload={
            "pipeline": str(pipeline.public_id), "data_class": pipeline.data_class,
            "purpose": pipeline.purpose, "policy": pipeline.policy_name,
            "interval_minutes": pipeline.interval_minutes,
            "export_when_cleared": pipeline.export_when_cleared,
        })
    return pipeline


def pipeline_set_enabled(*, actor: Any, pipeline: Pipeline, enabled: bool) -> None:
    if not permissions.may(actor, permissions.CHANGE_PIPELINE):
        raise PermissionDenied("Only admins change pipelines.")
    with transaction.atomic():
        Pipeline.objects.filter(pk=pipeline.pk).update(enabled=enabled)
        pipeline.enabled = enabled
        audit_log(actor=actor, action="pipeline.enabled" if enabled else "pipeline.disabled",
                  target=pipeline, payload={"pipeline": str(pipeline.public_id)})


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _source_files(folder: Path) -> list[Path]:
    """Regular files of the folder, by name; hidden ones (being written, e.g. ".part") and
    anything that is not a plain file (folders, links out of the folder) are skipped."""
    if not folder.is_dir():
        return []
    files = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
            continue
        files.append(Path(entry.path))
    return files


def pipeline_run(*, pipeline: Pipeline, actor: Any | None = None,
                 trigger: str = PipelineRun.Trigger.MANUAL) -> PipelineRun:
    """One run: import each new file of the source folder as a batch and queue its detection.
    `actor` is who pressed "Run now" (None on schedule: the pipeline's owner acts)."""
    if actor is not None and not permissions.may(actor, permissions.RUN_PIPELINE):
        raise PermissionDenied("Only admins run pipelines.")
    owner = pipeline.owner
    folder = check_source_dir(pipeline.source_dir)
    with transaction.atomic():
        run = PipelineRun.objects.create(pipeline=pipeline, trigger=trigger, started_by=actor,
                                         heartbeat_at=timezone.now())
        Pipeline.objects.filter(pk=pipeline.pk).update(last_run_at=run.started_at)
        audit_log(actor=actor or owner, action="pipeline.run_started", target=pipeline,
                  payload={"pipeline": str(pipeline.public_id), "run": str(run.public_id),
                           "trigger": trigger})
    try:
        _run_files(pipeline, run, owner, folder)
    except BaseException as exc:
        # the worker stopped, a bug: the run must not stay "running" for ever (with the
        # database gone this fails too, and the sweep marks the run abandoned later)
        try:
            _run_ended(run, actor or owner, PipelineRun.Status.FAILED,
                       error=f"run stopped ({type(exc).__name__})")
        except Exception:
            log.warning("pipeline %s: run %s could not be marked failed", pipeline.pk, run.pk)
        raise
    status = (PipelineRun.Status.SUCCEEDED if not run.files_failed else
              PipelineRun.Status.PARTIAL if run.files_imported else
              PipelineRun.Status.FAILED)
    _run_ended(run, actor or owner, status)
    return run


def _run_files(pipeline: Pipeline, run: PipelineRun, owner: Any, folder: Path) -> None:
    """Import each new file of `folder`, saving the run's counts and heartbeat after each."""
    known = set(pipeline.files.values_list("sha256", flat=True))
    for path in _source_files(folder):
        run.files_seen += 1
        try:
            sha, size = _sha256(path)
        except OSError as exc:
            run.files_failed += 1
            run.errors.append({"file": "?", "error": f"unreadable ({exc.strerror})"})
        else:
            if sha in known or not _claim_file(pipeline, run, sha, size):
                run.files_known += 1
            else:
                known.add(sha)
                _import_file(pipeline, run, owner, path, sha)
        run.heartbeat_at = timezone.now()
        run.save(update_fields=[*RUN_COUNTS, "heartbeat_at"])


RUN_COUNTS = ("files_seen", "files_imported", "files_known", "files_failed", "errors")


def _run_ended(run: PipelineRun, actor: Any, status: str, error: str = "") -> None:
    """Save how the run ended and audit it (ids and counts only)."""
    run.status = status
    run.finished_at = timezone.now()
    if error:
        run.errors.append({"file": "-", "error": error})
    with transaction.atomic():
        PipelineRun.objects.filter(pk=run.pk).update(
            status=run.status, finished_at=run.finished_at,
            **{field: getattr(run, field) for field in RUN_COUNTS})
        audit_log(actor=actor, action="pipeline.run_finished", target=run.pipeline,
                  payload={"pipeline": str(run.pipeline.public_id), "run": str(run.public_id),
                           "status": run.status, "files_seen": run.files_seen,
                           "files_imported": run.files_imported, "files_known": run.files_known,
                           "files_failed": run.files_failed, **({"error": error} if error else {})})


def pipeline_runs_abandoned(now: Any = None) -> int:
    """Mark failed the runs still "running" whose process has shown no sign of life for
    VEIL_PIPELINE_RUN_STALE_SECONDS (killed: no except clause ran), and release the files
    they had claimed but not imported, so the next run tries them again; each audited."""
    now = now or timezone.now()
    stale = timedelta(seconds=getattr(settings, "VEIL_PIPELINE_RUN_STALE_SECONDS", 900))
    runs = PipelineRun.objects.filter(status=PipelineRun.Status.RUNNING).filter(
        Q(heartbeat_at__lt=now - stale) | Q(heartbeat_at__isnull=True, started_at__lt=now - stale))
    marked = 0
    for run in runs.select_related("pipeline", "pipeline__owner"):
        with transaction.atomic():
            # conditional: of two sweeps at once (or a run that came back to life), one acts
            if not PipelineRun.objects.filter(pk=run.pk, status=PipelineRun.Status.RUNNING,
                                              heartbeat_at=run.heartbeat_at).update(
                    status=PipelineRun.Status.FAILED, finished_at=now,
                    errors=[*run.errors, {"file": "-", "error": "abandoned: its process "
                                          "stopped (no sign of life)"}]):
                continue
            released, _ = PipelineFile.objects.filter(
                run=run, batch__isnull=True, error="").delete()
            audit_log(actor=None, action="pipeline.run_abandoned", target=run.pipeline,
                      payload={"pipeline": str(run.pipeline.public_id), "run": str(run.public_id),
                               "files_released": released,
                               "silent_seconds": int(stale.total_seconds())})
        marked += 1
    return marked


INBOX_SUFFIX = {"csv": ".csv", "jsonl": ".jsonl", "text_lines": ".txt", "text_blocks": ".txt"}


class InboxError(ValueError):
    """A file the inbox refuses; the message names no file and holds no content."""


def pipeline_inbox_put(*, actor: Any, pipeline: Pipeline, upload: Any) -> str:
    """An uploaded file into the pipeline's folder (its upload inbox), for its next run:
    written under a hidden name and renamed into place whole (a run never sees half a
    file), 0600, under a name Veil makes (an uploaded file's name can name a customer).
    Refused when larger than VEIL_MAX_UPLOAD_BYTES or already imported. Returns the sha256;
    audited with it and the size only."""
    if not permissions.may(actor, permissions.RUN_PIPELINE):
        raise PermissionDenied("Only admins put files into a pipeline's inbox.")
    folder = check_source_dir(pipeline.source_dir)
    if upload.size > settings.VEIL_MAX_UPLOAD_BYTES:
        raise InboxError("The file is larger than the upload limit (VEIL_MAX_UPLOAD_BYTES).")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = f"{timezone.now():%Y%m%d-%H%M%S}-{os.urandom(4).hex()}"
    partial = folder / f".upload-{stamp}.part"
    digest = hashlib.sha256()
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            for block in upload.chunks(HASH_CHUNK):
                digest.update(block)
                handle.write(block)
            handle.flush()
            os.fsync(handle.fileno())
        sha = digest.hexdigest()
        if pipeline.files.filter(sha256=sha).exists():
            raise InboxError("This file was imported by the pipeline already.")
        final = folder / f"upload-{stamp}{INBOX_SUFFIX.get(pipeline.source_format, '')}"
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    audit_log(actor=actor, action="pipeline.file_uploaded", target=pipeline,
              payload={"pipeline": str(pipeline.public_id), "sha256": sha,
                       "bytes": upload.size})
    return sha


def _claim_file(pipeline: Pipeline, run: PipelineRun, sha: str, size: int) -> bool:
    """Record the file before importing it: of two runs that see it at once, one imports."""
    try:
        with transaction.atomic():
            PipelineFile.objects.create(pipeline=pipeline, run=run, sha256=sha, size=size)
    except IntegrityError:
        return False
    return True


def _import_file(pipeline: Pipeline, run: PipelineRun, owner: Any, path: Path,
                 sha: str) -> None:
    name = f"{pipeline.name} {timezone.now():%Y-%m-%d %H:%M} {sha[:8]}"
    try:
        with path.open("rb") as handle:
            imported = batch_import_and_detect(
                actor=owner, data=handle, name=name[:200], data_class=pipeline.data_class,
                purpose=pipeline.purpose, source_format=pipeline.source_format,
                text_columns=pipeline.text_columns, id_column=pipeline.id_column,
            )
    except BaseException as exc:
        if not isinstance(exc, IngestError | OSError | PermissionDenied):
            # anything else (the database gone, the process stopped) is not this file's
            # fault: release the claim so that the next run tries the file again
            PipelineFile.objects.filter(pipeline=pipeline, sha256=sha, batch__isnull=True).delete()
            raise
        message = str(exc) if isinstance(exc, IngestError) else type(exc).__name__
        run.files_failed += 1
        run.errors.append({"file": sha[:12], "error": message[:300]})
        PipelineFile.objects.filter(pipeline=pipeline, sha256=sha).update(error=message[:300])
        return
    run.files_imported += 1
    PipelineFile.objects.filter(pipeline=pipeline, sha256=sha).update(batch=imported.batch)


def pipelines_export_cleared() -> int:
    """Export each pipeline batch whose review is cleared (no record waits) under the latest
    approved version of the pipeline's policy; returns how many exports were started. A batch
    whose policy has no approved version fitting it waits (counted nowhere, tried again)."""
    waiting = PipelineFile.objects.filter(
        batch__isnull=False, export__isnull=True, pipeline__export_when_cleared=True,
        pipeline__enabled=True,
    ).select_related("pipeline", "pipeline__owner")
    if not waiting:
        return 0
    stages = dict(batches_with_stage(
        SourceBatch.objects.filter(pk__in=[f.batch_id for f in waiting])
    ).values_list("pk", "stage"))
    started = 0
    for file in waiting:
        if stages.get(file.batch_id) != Stage.REVIEWED:
            continue
        policy = latest_approved(file.pipeline.policy_name)
        if policy is None or file.batch is None:
            continue
        try:
            export = export_start(actor=file.pipeline.owner, batch=file.batch, policy=policy,
                                  utility_label=_utility_label(file.pipeline, file.batch))
        except (ExportError, PermissionDenied) as exc:
            log.warning("pipeline %s: batch %s not exported: %s", file.pipeline_id,
                        file.batch_id, type(exc).__name__)
            continue
        PipelineFile.objects.filter(pk=file.pk).update(export=export)
        started += 1
    return started


def _utility_label(pipeline: Pipeline, batch: SourceBatch) -> str:
    """The pipeline's utility label when this batch has that column (files can differ)."""
    label = pipeline.utility_label
    return label if label and label in batch.structured_columns else ""


def pipelines_claim_due(now: Any = None) -> list[Pipeline]:
    """The scheduled pipelines whose interval has passed, each claimed by moving its
    last_run_at (a conditional update): of two sweeps at once, one runs a pipeline."""
    now = now or timezone.now()
    claimed = []
    scheduled = Pipeline.objects.filter(enabled=True, interval_minutes__isnull=False)
    for pipeline in scheduled.select_related("owner"):
        last = pipeline.last_run_at
        if last is not None and now - last < timedelta(minutes=pipeline.interval_minutes or 0):
            continue
        if Pipeline.objects.filter(pk=pipeline.pk, last_run_at=last).update(last_run_at=now):
            claimed.append(pipeline)
    return claimed


def pipelines_tick() -> dict[str, int]:
    """What the sweep does for pipelines: mark abandoned runs, run those due, export what
    review cleared."""
    abandoned = pipeline_runs_abandoned()
    ran = 0
    for pipeline in pipelines_claim_due():
        try:
            pipeline_run(pipeline=pipeline, trigger=PipelineRun.Trigger.SCHEDULE)
            ran += 1
        except ValidationError:
            log.warning("pipeline %s: its folder is outside VEIL_PIPELINE_ROOTS", pipeline.pk)
    return {"pipelines_run": ran, "pipeline_exports_started": pipelines_export_cleared(),
            "pipeline_runs_abandoned": abandoned}
