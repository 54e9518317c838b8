"""Exports, the pseudonym vault and the differential-privacy budget ledger."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from anonymizer.models.batches import SourceBatch
from anonymizer.models.fields import public_id_field, user_field
from anonymizer.models.policies import Policy


class VaultEntry(models.Model):
    """Pseudonym -> original, the original encrypted with the vault key (kept outside the
    database). Only privacy officers may look a token up, with a reason; each lookup is audited."""

    linkage_domain = models.SlugField(max_length=80)
    token = models.CharField(max_length=120)
    label = models.CharField(max_length=40)
    ciphertext = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["linkage_domain", "token"], name="vault_token_unique"),
        ]


class ExportedDataset(models.Model):
    """An export's metadata and manifest. The files live in VEIL_EXPORT_DIR, apart from the
    originals; this table holds no record text."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = public_id_field()
    batch = models.ForeignKey(SourceBatch, on_delete=models.PROTECT, related_name="exports")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="exports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    records_total = models.PositiveIntegerField(default=0)
    records_done = models.PositiveIntegerField(default=0)
    manifest = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")
    job_id = models.CharField(
        max_length=80, blank=True, default="", help_text="The rq job last queued for this export."
    )
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="When that job was queued.")
    worker = models.CharField(max_length=200, blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Renewed while the export writes; a running export whose "
        "lease expired (its worker died) is queued again by the sweep.",
    )
    utility_label = models.CharField(
        blank=True, default="", max_length=200,
        help_text="A structured column whose value a classifier predicts from the raw "
        "and from the transformed text, for the utility report; empty: none.",
    )
    created_by = user_field(optional=False)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("download_exporteddataset", "Can download an export's files")]
        indexes = [
            # The sweep looks for queued and running exports (a handful among many done ones).
            models.Index(fields=["status", "enqueued_at"], name="export_status_enqueued"),
        ]

    MANIFEST_FILE = "manifest.json"

    def file_names(self) -> list[str]:
        """The files of a finished export: those its manifest lists, then the manifest."""
        if self.status != self.Status.DONE:
            return []
        return [*dict(self.manifest.get("files") or {}), self.MANIFEST_FILE]


class PrivacyBudgetEntry(models.Model):
    """One differentially private release against a dataset's privacy budget."""

    batch = models.ForeignKey(SourceBatch, on_delete=models.PROTECT, related_name="dp_releases")
    export = models.ForeignKey(ExportedDataset, null=True, on_delete=models.SET_NULL,
                               related_name="dp_releases")
    epsilon = models.FloatField()
    total_budget = models.FloatField(help_text="The policy's total at the time of release.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(epsilon__gt=0), name="dp_epsilon_positive"),
        ]
