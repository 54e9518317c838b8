"""Pipelines: the same governed process, run on a schedule or on demand.

A pipeline names a source folder on the server, the data class, purpose and file layout of what
arrives there, and the policy to export under; each run imports the new files (all or nothing
per file), queues their detection, and exports each batch once its review is cleared, if the
pipeline says so. Files are known by their sha256, so a file is imported once however often
the folder is read; file names are not stored (they can name a customer)."""

from __future__ import annotations

from django.db import models

from anonymizer.models.batches import DataClass, Purpose, SourceBatch, SourceFormat
from anonymizer.models.exports import ExportedDataset
from anonymizer.models.fields import public_id_field, user_field


class Pipeline(models.Model):
    public_id = public_id_field()
    name = models.CharField(max_length=120, unique=True)
    source_dir = models.CharField(
        max_length=500,
        help_text="A folder on the server, inside one of VEIL_PIPELINE_ROOTS, read on each run.",
    )
    source_format = models.CharField(max_length=20, choices=SourceFormat.choices)
    text_columns = models.JSONField(default=list, blank=True)
    id_column = models.CharField(max_length=200, blank=True, default="")
    data_class = models.CharField(max_length=20, choices=DataClass.choices)
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    policy_name = models.CharField(
        max_length=120, help_text="Exports use this policy's latest approved version."
    )
    export_when_cleared = models.BooleanField(
        default=True, help_text="Export each batch as soon as its review is cleared."
    )
    utility_label = models.CharField(
        max_length=200, blank=True, default="",
        help_text="A structured column the utility report's classifier predicts (optional).",
    )
    interval_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Run every this many minutes; empty: on demand only."
    )
    enabled = models.BooleanField(default=True)
    owner = user_field(
        optional=False, help_text="Scheduled runs import and export as this user (an admin)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        permissions = [("run_pipeline", "Can run a pipeline now")]

    def __str__(self) -> str:
        return self.name


class PipelineRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        PARTIAL = "partial", "Some files failed"
        FAILED = "failed", "Failed"

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", "Schedule"
        MANUAL = "manual", "Run now"

    public_id = public_id_field()
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    started_by = user_field()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True, blank=True,
        help_text="Last sign of life of the process running it (after each file): a run "
                  "silent for VEIL_PIPELINE_RUN_STALE_SECONDS is marked abandoned by the sweep.",
    )
    files_seen = models.PositiveIntegerField(default=0)
    files_imported = models.PositiveIntegerField(default=0)
    files_known = models.PositiveIntegerField(default=0, help_text="Imported by an earlier run.")
    files_failed = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True,
        help_text="Per failed file: its sha256 prefix and the import error (no file names).",
    )

    class Meta:
        ordering = ["-started_at", "-id"]


class PipelineFile(models.Model):
    """A file a pipeline imported (or failed to), by content hash, and the batch it became."""

    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="files")
    run = models.ForeignKey(PipelineRun, on_delete=models.CASCADE, related_name="files")
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    batch = models.ForeignKey(
        SourceBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    export = models.ForeignKey(
        ExportedDataset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "sha256"], name="pipeline_file_once"),
        ]
