"""Batches, their records and structured columns, and API tokens."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from anonymizer.engine.tabular import ColumnRoleKind
from anonymizer.models.fields import public_id_field, user_field


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

    public_id = public_id_field("Opaque id used in URLs and the API.")
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
    created_by = user_field(optional=False, related_name="created_batches")
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
        indexes = [
            # The batch list, newest first, and its date range.
            models.Index(fields=["created_at", "id"], name="batch_created"),
        ]

    def __str__(self) -> str:
        return self.name

    def confirmed_columns(self, role: str) -> list[ColumnRole]:
        """The structured columns a privacy officer confirmed in `role`, in column order."""
        return [r for r in self.column_roles.all() if r.role == role]

    def column_values(
        self, columns: list[str], statuses: Iterable[str] | None = None
    ) -> tuple[list[int], dict[str, list[str]]]:
        """Record ids in file order and, per column, each record's value as text ("" if
        missing), optionally only for records in `statuses`."""
        records = Record.objects.filter(batch=self).order_by("position")
        if statuses is not None:
            records = records.filter(status__in=list(statuses))
        ids: list[int] = []
        data: dict[str, list[str]] = {c: [] for c in columns}
        for rid, fields in records.values_list("id", "fields").iterator(5000):
            ids.append(rid)
            for c in columns:
                value = fields.get(c, "")
                data[c].append("" if value is None else str(value))
        return ids, data


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
            # The records list: newest first and a date range, within a review state or not,
            # and the start of an external id across batches (a LIKE 'x%' on any collation).
            models.Index(fields=["created_at", "id"], name="record_created"),
            models.Index(fields=["status", "created_at", "id"], name="record_status_created"),
            models.Index(
                fields=["external_id"], name="record_external_id_prefix",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.external_id}"


class ApiTokenScope(models.TextChoices):
    READ = "read", "Read batches"
    UPLOAD = "upload", "Upload batches"
    EXPORT = "export", "Exports"
    REVIEW = "review", "Review records"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only the SHA-256 of the key is stored."""

    Scope = ApiTokenScope

    public_id = public_id_field("Opaque id used in URLs and the api_token command.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for.")
    prefix = models.CharField(
        max_length=12, help_text="First characters of the key, to tell keys apart."
    )
    key_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key.")
    scopes = models.JSONField(
        default=list, blank=True, help_text="What the token may do: read, upload, export, review."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Refused from then on; empty for tokens made before expiry.",
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyKey(models.Model):
    """An API upload's Idempotency-Key: a retry with the same key and request gets the first
    response (the same batch) instead of importing again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200, help_text="The Idempotency-Key header as sent.")
    request_sha256 = models.CharField(
        max_length=64, help_text="Hash of the request's fields and file: another request with "
        "the same key is refused."
    )
    batch = models.ForeignKey(
        SourceBatch, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    response_status = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty while the first request is being processed."
    )
    response_body = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(help_text="When the first request claimed the key.")

    class Meta:
        constraints = [
            # A retry looks its key up by user and key; the index also makes the claim atomic.
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class ColumnRole(models.Model):
    """The role of one structured column of a batch: suggested by Veil, confirmed by an officer."""

    # The engine's ColumnRoleKind is the one definition of the roles' names and values.
    Role = models.TextChoices("Role", [(r.name, (r.value, r.label)) for r in ColumnRoleKind])

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
    confirmed_by = user_field()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["batch_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "column"], name="column_role_unique"),
        ]
