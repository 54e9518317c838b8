from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class DataClass(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    PERSONAL = "personal", "Personal"
    CONFIDENTIAL = "confidential", "Confidential"
    REGULATED = "regulated", "Regulated"


class Purpose(models.TextChoices):
    THEME_ANALYSIS = "theme_analysis", "Theme analysis"
    CASE_TRACKING = "case_tracking", "Case tracking"
    INTERNAL_REPORTING = "internal_reporting", "Internal reporting"
    EXTERNAL_SHARING = "external_sharing", "External sharing"
    MODEL_TRAINING = "model_training", "Model training"


class SourceFormat(models.TextChoices):
    CSV = "csv", "CSV"
    JSONL = "jsonl", "JSON Lines"
    TEXT_LINES = "text_lines", "Plain text, one record per line"
    TEXT_BLOCKS = "text_blocks", "Plain text, records split by blank lines"


class BatchStatus(models.TextChoices):
    IMPORTED = "imported", "Imported"
    DETECTING = "detecting", "Detecting"
    DETECTED = "detected", "Detected"
    DETECTION_FAILED = "detection_failed", "Detection failed"
    IN_REVIEW = "in_review", "In review"
    REVIEWED = "reviewed", "Reviewed"
    ARCHIVED = "archived", "Archived"


class RecordStatus(models.TextChoices):
    NEW = "new", "New"
    DETECTED = "detected", "Detected"
    NEEDS_REVIEW = "needs_review", "Needs review"
    IN_REVIEW = "in_review", "In review"
    ESCALATED = "escalated", "Escalated"
    REVIEWED = "reviewed", "Reviewed"
    AUTO_CLEARED = "auto_cleared", "Auto-cleared"


class SourceBatch(models.Model):
    Status = BatchStatus

    public_id = models.UUIDField(
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Opaque id used in URLs and the API.",
    )
    name = models.CharField(max_length=200, help_text="A name people recognise the batch by.")
    data_class = models.CharField(
        max_length=20, choices=DataClass.choices, help_text="How sensitive the source data is."
    )
    purpose = models.CharField(
        max_length=30,
        choices=Purpose.choices,
        help_text="What the anonymized data will be used for.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.IMPORTED)
    source_format = models.CharField(max_length=20, choices=SourceFormat.choices)
    source_sha256 = models.CharField(
        max_length=64, help_text="Hash of the uploaded file, to recognise a re-upload."
    )
    source_bytes = models.BigIntegerField(default=0)
    text_columns = models.JSONField(default=list, blank=True, help_text="CSV/JSONL text columns.")
    id_column = models.CharField(max_length=200, blank=True, default="")
    structured_columns = models.JSONField(
        default=list, blank=True, help_text="Names of the structured columns kept beside the text."
    )
    record_count = models.PositiveIntegerField(default=0)
    char_count = models.PositiveBigIntegerField(default=0)
    current_run = models.ForeignKey(
        "DetectionRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The detection run whose spans and tiers the batch currently shows.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_batches"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("review_sourcebatch", "Can review the records of this batch")]
        constraints = [
            models.CheckConstraint(
                condition=Q(data_class__in=DataClass.values), name="batch_data_class_valid"
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=Purpose.values), name="batch_purpose_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=BatchStatus.values), name="batch_status_valid"
            ),
            models.CheckConstraint(condition=~Q(name=""), name="batch_name_not_empty"),
            models.CheckConstraint(condition=Q(record_count__gt=0), name="batch_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Record(models.Model):
    Status = RecordStatus

    batch = models.ForeignKey(SourceBatch, on_delete=models.CASCADE, related_name="records")
    position = models.PositiveIntegerField(
        help_text="1-based order of the record in the source file."
    )
    external_id = models.CharField(
        max_length=200, help_text="The record's id in the source system."
    )
    text = models.TextField(help_text="Raw customer text. Never logged, never exported as is.")
    fields = models.JSONField(
        default=dict, blank=True, help_text="Structured columns of the record."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["batch_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "external_id"], name="record_external_id_unique"
            ),
            # Records are listed and chunked for detection in file order.
            models.UniqueConstraint(fields=["batch", "position"], name="record_position_unique"),
            models.CheckConstraint(
                condition=~Q(external_id=""), name="record_external_id_not_empty"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="record_text_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=RecordStatus.values), name="record_status_valid"
            ),
            models.CheckConstraint(condition=Q(position__gt=0), name="record_position_positive"),
        ]
        indexes = [
            # Review queue and batch dashboards count records by status within a batch.
            models.Index(fields=["batch", "status"], name="record_batch_status"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.external_id}"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only the SHA-256 of the key is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for.")
    prefix = models.CharField(
        max_length=12, help_text="First characters of the key, to tell keys apart."
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activated_at = models.DateTimeField(null=True, blank=True)

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


class DetectionRun(models.Model):
    """One detection pass over a batch under one rule-set version, split into chunks."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        SUPERSEDED = "superseded", "Superseded"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    batch = models.ForeignKey(SourceBatch, on_delete=models.CASCADE, related_name="detection_runs")
    ruleset = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="runs")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RUNNING)
    chunk_size = models.PositiveIntegerField()
    chunk_count = models.PositiveIntegerField()
    record_count = models.PositiveIntegerField()
    created_by = models.ForeignKey(
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
            # Overlaps are merged before storage: one decision per character range.
            models.UniqueConstraint(fields=["run", "record", "start"], name="span_unique_start"),
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


class Policy(models.Model):
    """How each entity type is transformed for a data class and purpose. Approved versions are
    immutable; a change makes a new version. Types the policy does not name are redacted."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        RETIRED = "retired", "Retired"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.SlugField(max_length=80, help_text="Policies are referred to by name + version.")
    version = models.PositiveIntegerField()
    data_class = models.CharField(
        max_length=20,
        choices=DataClass.choices,
        blank=True,
        default="",
        help_text="Blank: any data class.",
    )
    purpose = models.CharField(
        max_length=30,
        choices=Purpose.choices,
        blank=True,
        default="",
        help_text="Blank: any purpose.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    rules = models.JSONField(
        default=dict, help_text='{"rules": {TYPE: {"operator", "params"}}, "default": ...}'
    )
    column_rules = models.JSONField(
        default=dict,
        blank=True,
        help_text="Structured columns: {column: {operator, params}}; unnamed columns are dropped.",
    )
    linkage_domain = models.SlugField(
        max_length=80, default="default", help_text="Pseudonyms link only within one domain."
    )
    tabular = models.JSONField(
        default=dict,
        blank=True,
        help_text='Quasi-identifier targets: {"k": 5, "l": 2, "suppression": 0.05, '
        '"dp": {"epsilon": 1.0, "total": 3.0, "group_by": "plan", "value": "age", '
        '"bounds": [0, 120]}}',
    )
    notes = models.TextField(blank=True, default="")
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    authored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "-version"]
        permissions = [("approve_policy", "Can approve a policy (never one's own)")]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="policy_name_version"),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "pending", "approved", "retired"]),
                name="policy_status_valid",
            ),
            # Four eyes: nobody approves what they wrote.
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | Q(authored_by__isnull=True)
                | ~Q(approved_by=models.F("authored_by")),
                name="policy_not_self_approved",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_at__isnull=False),
                name="policy_approved_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.DRAFT

    def fits(self, batch: SourceBatch) -> bool:
        """Whether the policy may transform the batch: its data class and purpose, or blank
        (any). The one rule every export, policy choice and review preview asks."""
        return self.data_class in ("", batch.data_class) and self.purpose in ("", batch.purpose)

    def fit_rank(self, batch: SourceBatch) -> tuple[int, float]:
        """How well a fitting policy fits: exact data class and purpose first, newest next."""
        exact = (self.data_class == batch.data_class) + (self.purpose == batch.purpose)
        return exact, self.approved_at.timestamp() if self.approved_at else 0.0


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

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    batch = models.ForeignKey(SourceBatch, on_delete=models.PROTECT, related_name="exports")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="exports")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    records_total = models.PositiveIntegerField(default=0)
    records_done = models.PositiveIntegerField(default=0)
    manifest = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ColumnRole(models.Model):
    """The role of one structured column of a batch: suggested by Veil, confirmed by an officer."""

    class Role(models.TextChoices):
        DIRECT = "direct_identifier", "Direct identifier"
        QUASI = "quasi_identifier", "Quasi-identifier"
        SENSITIVE = "sensitive", "Sensitive attribute"
        INSENSITIVE = "insensitive", "Insensitive"

    batch = models.ForeignKey(SourceBatch, on_delete=models.CASCADE, related_name="column_roles")
    column = models.CharField(max_length=200)
    suggested = models.CharField(max_length=20, choices=Role.choices)
    role = models.CharField(max_length=20, choices=Role.choices, blank=True, default="",
                            help_text="Empty until a privacy officer confirms.")
    hierarchy = models.CharField(
        max_length=20, blank=True, default="",
        help_text="Generalization hierarchy of a quasi-identifier: date, number, postcode, "
        "category.",
    )
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "column"], name="column_role_unique"),
        ]


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
