"""Rule-set versions, detection runs and their machine output (spans, risk assessments)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from anonymizer.models.batches import Record, SourceBatch
from anonymizer.models.fields import public_id_field, user_field
from anonymizer.models.nermodels import NerModel


class RuleSet(models.Model):
    """A versioned recognizer configuration. Workers load rule sets by version."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    version = models.PositiveIntegerField(unique=True, help_text="Stamped on every span it finds.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    config = models.JSONField(
        help_text="RuleSetConfig.to_dict(): patterns, context, deny/allow lists."
    )
    notes = models.TextField(blank=True, default="", help_text="What changed and why.")
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    proposals = models.JSONField(
        default=list,
        blank=True,
        help_text="Patterns proposed from reviewers' added spans, for an officer to confirm.",
    )
    validation_sample_rate = models.FloatField(
        default=0.0,
        help_text="Share of records detected under this version that go to review as a "
        "validation sample of the new rules.",
    )
    created_by = user_field()
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Everyone who built or changed this candidate (drafts, proposals, calibration, "
        "retraining, training); none of them may activate it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_by = user_field()
    activated_at = models.DateTimeField(null=True, blank=True)
    activation_override = models.TextField(
        blank=True,
        default="",
        help_text="The activating officer's written reason, when the regression gate did not "
        "pass (no fresh evaluation, or regressions).",
    )

    class Meta:
        ordering = ["-version"]
        permissions = [("activate_ruleset", "Can activate a rule set version")]
        constraints = [
            # Exactly one version is live at a time.
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="ruleset_one_active"
            ),
            models.CheckConstraint(
                condition=Q(validation_sample_rate__gte=0) & Q(validation_sample_rate__lte=1),
                name="ruleset_sample_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return f"rule set v{self.version} ({self.status})"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def edited_by(self, user: Any) -> bool:
        """Whether `user` built or changed this version, or trained the not yet active NER
        model it names (four eyes: they may not activate it)."""
        if user is None or user.pk is None:
            return False
        if self.created_by_id == user.pk or self.editors.filter(pk=user.pk).exists():
            return True
        digest = str((self.config or {}).get("ner_model_sha256") or "")
        return bool(digest) and (
            NerModel.objects.filter(sha256=digest, created_by=user)
            .exclude(status=NerModel.Status.ACTIVE)
            .exists()
        )


class DetectionRun(models.Model):
    """One detection pass over a batch under one rule-set version, split into chunks."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        SUPERSEDED = "superseded", "Superseded"

    public_id = public_id_field()
    batch = models.ForeignKey(SourceBatch, on_delete=models.CASCADE, related_name="detection_runs")
    ruleset = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    chunk_size = models.PositiveIntegerField()
    chunk_count = models.PositiveIntegerField()
    record_count = models.PositiveIntegerField()
    created_by = models.ForeignKey(  # null but not blank: the command line starts runs too
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # A batch has at most one run in progress.
            models.UniqueConstraint(
                fields=["batch"], condition=Q(status="running"), name="run_one_running_per_batch"
            ),
            models.CheckConstraint(condition=Q(chunk_size__gt=0), name="run_chunk_size_positive"),
        ]


class DetectionChunk(models.Model):
    """A slice of a run's records (by position), the unit of work of one rq job."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    first_position = models.PositiveIntegerField()
    last_position = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="A running chunk whose lease expired is given out again."
    )
    worker = models.CharField(max_length=200, blank=True, default="")
    job_id = models.CharField(
        max_length=80, blank=True, default="", help_text="The rq job last queued for this chunk."
    )
    enqueued_at = models.DateTimeField(
        null=True, blank=True, help_text="When that job was queued; the sweep re-queues a pending "
        "chunk whose job was lost once this is older than VEIL_SWEEP_PENDING_SECONDS.",
    )
    record_count = models.PositiveIntegerField(default=0)
    char_count = models.PositiveBigIntegerField(default=0)
    span_count = models.PositiveIntegerField(default=0)
    error = models.CharField(
        max_length=300, blank=True, default="", help_text="Error class and code; never record text."
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run_id", "index"]
        constraints = [
            models.UniqueConstraint(fields=["run", "index"], name="chunk_index_unique"),
            models.CheckConstraint(
                condition=Q(last_position__gte=models.F("first_position")), name="chunk_range_valid"
            ),
        ]
        indexes = [
            # Progress counts chunks by status within a run.
            models.Index(fields=["run", "status"], name="chunk_run_status"),
        ]


class DetectedSpan(models.Model):
    """Machine output: written once by a detection job, never changed. Human work points at it."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="spans")
    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="spans")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    label = models.CharField(
        max_length=40, help_text="Entity type, Presidio names where they exist."
    )
    score = models.FloatField()
    recognizer = models.CharField(max_length=80)
    pattern_name = models.CharField(max_length=80, blank=True, default="")
    context_word = models.CharField(max_length=80, blank=True, default="")
    validated = models.BooleanField(null=True, help_text="Checksum result (Luhn, IBAN) if any.")
    ruleset_version = models.PositiveIntegerField()

    class Meta:
        ordering = ["record_id", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="span_not_empty"),
            models.CheckConstraint(
                condition=Q(score__gte=0) & Q(score__lte=1), name="span_score_range"
            ),
            # Detections are merged before storage: one decision per character range. The
            # implied-identifier layer (QUASI_*) lies over them on purpose, and its phrases
            # may overlap each other ("[a Russian national [born in 1983]]"): one row per
            # phrase, never the same phrase twice.
            models.UniqueConstraint(fields=["run", "record", "start"],
                                    condition=~Q(label__startswith="QUASI_"),
                                    name="span_unique_start"),
            models.UniqueConstraint(fields=["run", "record", "start", "end", "label"],
                                    condition=Q(label__startswith="QUASI_"),
                                    name="implied_span_once"),
        ]
        indexes = [
            # The record page and the review queue read a record's spans of the latest run.
            models.Index(fields=["record", "run"], name="span_record_run"),
        ]


class RiskAssessment(models.Model):
    class Tier(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="risk_assessments")
    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="assessments")
    tier = models.CharField(max_length=6, choices=Tier.choices)
    triggers = models.JSONField(
        default=list, help_text="[{code, detail}] with offsets and counts only, never text."
    )
    min_score = models.FloatField(null=True, blank=True, help_text="Lowest span confidence.")
    span_count = models.PositiveIntegerField(default=0)
    ruleset_version = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "record"], name="risk_one_per_record_run"),
            models.CheckConstraint(
                condition=Q(tier__in=["low", "medium", "high"]), name="risk_tier_valid"
            ),
        ]
        indexes = [
            # The review queue orders a batch's records by tier, then confidence.
            models.Index(fields=["run", "tier", "min_score"], name="risk_run_tier_score"),
        ]


class RuleSetEvaluation(models.Model):
    """A candidate rule set against the active one on held-out reviewed records."""

    ruleset = models.ForeignKey(RuleSet, on_delete=models.CASCADE, related_name="evaluations")
    baseline = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="+")
    held_out_records = models.PositiveIntegerField()
    training_records = models.PositiveIntegerField()
    report = models.JSONField(help_text="{candidate: EvalReport, baseline: EvalReport}")
    regressions = models.JSONField(
        default=list, help_text="Entity types whose recall the candidate lowers."
    )
    config_sha256 = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="config_digest of the candidate's configuration as evaluated; any change to "
        "the draft makes the evaluation stale.",
    )
    ner_model_sha256 = models.CharField(
        max_length=64, blank=True, default="", help_text="The NER model the evaluation used."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
