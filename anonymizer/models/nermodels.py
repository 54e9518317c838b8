"""Fine-tuned NER models: versioned artefacts (a pipeline directory, its sha256 and a summary of
the data it was trained on, counts only). A rule set names one through its config
(`ner_model_path`, `ner_model_sha256`); workers load the version their rule set names."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class NerModel(models.Model):
    class Status(models.TextChoices):
        CANDIDATE = "candidate", "Candidate"  # trained; named by a draft rule set at most
        ACTIVE = "active", "Active"  # named by the active rule set
        RETIRED = "retired", "Retired"

    version = models.PositiveIntegerField(unique=True)
    path = models.CharField(max_length=500, help_text="The pipeline directory.")
    sha256 = models.CharField(max_length=64, help_text="model_dir_sha256 of the directory.")
    summary = models.JSONField(
        default=dict,
        help_text="Documents by source, entities by label, epochs, dev scores: counts, no text.",
    )
    base_model = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CANDIDATE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["sha256"], name="nermodel_sha256_unique"),
        ]

    def __str__(self) -> str:
        return f"NER model v{self.version} ({self.status})"
