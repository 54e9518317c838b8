"""Human review of detected spans.

Machine output (anonymizer.DetectedSpan) never changes. Review work lives here:

- ReviewItem: one row per record that goes through review: its place in the queue, who holds
  the lease (one holder: the record is unique), and a version every action bumps (optimistic
  concurrency).
- ReviewSpan: the current human view of one span (accepted / rejected / relabelled / moved /
  added), copied from the detected spans when the record is first leased.
- Decision: append-only log of every action: who, when, which span, before and after (offsets
  and labels only, never copied text), and the reason.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from anonymizer.models import DetectedSpan, DetectionRun, Record, SourceBatch
from anonymizer.models.fields import public_id_field, user_field


class ItemState(models.TextChoices):
    OPEN = "open", "Open"
    ESCALATED = "escalated", "Escalated"
    DONE = "done", "Reviewed"


class Priority(models.IntegerChoices):
    HIGH = 0, "High tier"
    MEDIUM = 1, "Medium tier"
    LOW_SAMPLE = 2, "Low tier (sample)"


class SpanOrigin(models.TextChoices):
    DETECTED = "detected", "Detected"
    ADDED = "added", "Added by a person"


class AppendOnlyError(ValueError):
    """Decisions are never updated or deleted."""


class SpanStatus(models.TextChoices):
    PENDING = "pending", "Undecided"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class ReviewItem(models.Model):
    """One record in the review queue: its lease, version and escalation state."""

    State = ItemState

    public_id = public_id_field("Opaque id used in URLs.")
    record = models.OneToOneField(
        Record,
        on_delete=models.CASCADE,
        related_name="review_item",
        help_text="One review item per record: the unique key also makes one lease holder.",
    )
    batch = models.ForeignKey(
        SourceBatch,
        on_delete=models.CASCADE,
        related_name="review_items",
        help_text="Copied from the record so that the queue filters without a join.",
    )
    run = models.ForeignKey(
        DetectionRun,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The detection run whose spans are under review.",
    )
    state = models.CharField(max_length=10, choices=ItemState.choices, default=ItemState.OPEN)
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, help_text="Queue order: high tier first."
    )
    confidence = models.FloatField(
        help_text="Lowest span score of the record (1.0 without spans): low confidence first."
    )
    sampled = models.BooleanField(
        default=False, help_text="A low-tier record sampled into the queue as a check."
    )
    version = models.PositiveIntegerField(
        default=0, help_text="Bumped by every action; a submission on an older version is refused."
    )
    spans_ready = models.BooleanField(
        default=False, help_text="The detected spans were copied into review spans."
    )
    holder = user_field(
        on_delete=models.SET_NULL,
        help_text="Who holds the lease (a reviewer, or an officer on an escalation).",
    )
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="After this the record returns to the queue."
    )
    returned_to = user_field(
        on_delete=models.SET_NULL,
        help_text="An officer sent the record back to this reviewer; they get it first.",
    )
    escalated_by = user_field(on_delete=models.SET_NULL)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        permissions = [("resolve_escalation", "Can resolve escalated records of any batch")]
        indexes = [
            # The queue: open items by tier, then confidence, then oldest record.
            models.Index(
                fields=["priority", "confidence", "record"],
                condition=Q(state="open"),
                name="review_queue_order",
            ),
            # Batch dashboards count items by state.
            models.Index(fields=["batch", "state"], name="review_item_batch_state"),
            # A reviewer's current lease.
            models.Index(fields=["holder", "state"], name="review_item_holder"),
            # Records an officer returned to a reviewer come first for them.
            models.Index(
                fields=["returned_to"],
                condition=Q(returned_to__isnull=False),
                name="review_item_returned",
            ),
            # The escalation list: open ones by age, and all escalated ever (resolved too).
            models.Index(
                fields=["escalated_at", "id"],
                condition=Q(state="escalated"),
                name="review_item_open_escalation",
            ),
            models.Index(
                fields=["escalated_at", "id"],
                condition=Q(escalated_at__isnull=False),
                name="review_item_escalated",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["open", "escalated", "done"]), name="review_item_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(holder__isnull=True) | Q(lease_expires_at__isnull=False),
                name="review_item_lease_has_expiry",
            ),
        ]

    def __str__(self) -> str:
        return f"review of record {self.record_id}"

    def lease_is_live(self, now: Any = None) -> bool:
        """Someone holds the record and their lease has not run out."""
        now = now or timezone.now()
        return (
            self.holder_id is not None
            and self.lease_expires_at is not None
            and self.lease_expires_at > now
        )

    def is_held_by(self, user: Any, now: Any = None) -> bool:
        """True if `user` holds a live lease on this item."""
        return self.holder_id == getattr(user, "pk", None) and self.lease_is_live(now)


class ReviewSpan(models.Model):
    """The human span set of a record; DetectedSpan (machine output) never changes."""

    Origin = SpanOrigin
    Status = SpanStatus

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="spans")
    detected = models.ForeignKey(
        DetectedSpan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The machine's span this started from; empty for a span a person added.",
    )
    origin = models.CharField(max_length=10, choices=Origin.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    label = models.CharField(max_length=40)
    status = models.CharField(max_length=10, choices=SpanStatus.choices, default=SpanStatus.PENDING)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item_id", "start", "id"]
        indexes = [
            # The record page reads one item's spans in text order.
            models.Index(fields=["item", "start"], name="rspan_item_start"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="rspan_not_empty"),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "rejected"]),
                name="rspan_status_valid",
            ),
            models.UniqueConstraint(
                fields=["item", "detected"],
                condition=Q(detected__isnull=False),
                name="rspan_one_per_detected",
            ),
        ]

    @property
    def is_live(self) -> bool:
        """Goes out as a span: accepted, or not yet decided."""
        return self.status != SpanStatus.REJECTED

    def as_payload(self) -> dict[str, object]:
        """Offsets, type and status: what a decision records. Never the text."""
        return {"start": self.start, "end": self.end, "label": self.label, "status": self.status}


class Decision(models.Model):
    """Append-only: every review action, who, when, which span, before and after, why."""

    class Action(models.TextChoices):
        ACCEPT = "accept", "Accepted span"
        REJECT = "reject", "Rejected span (false positive)"
        RELABEL = "relabel", "Changed type"
        ADJUST = "adjust", "Adjusted bounds"
        ADD = "add", "Added missed span"
        ACCEPT_ALL = "accept_all", "Accepted all remaining"
        ESCALATE = "escalate", "Escalated to a privacy officer"
        SUBMIT = "submit", "Submitted"
        RELEASE = "release", "Released (skipped)"
        COMMENT = "comment", "Officer comment"
        RETURN = "return", "Returned to reviewer"
        RESOLVE = "resolve", "Marked reviewed by officer"
        AUTO_CLEAR = "auto_clear", "Auto-cleared (low tier, not sampled)"

    record = models.ForeignKey(Record, on_delete=models.PROTECT, related_name="review_decisions")
    item = models.ForeignKey(ReviewItem, null=True, on_delete=models.PROTECT, related_name="+")
    span = models.ForeignKey(
        DetectedSpan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The machine's span the decision is about, if any.",
    )
    review_span = models.ForeignKey(
        ReviewSpan, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the system (auto-clear).",
    )
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=12, choices=Action.choices)
    before = models.JSONField(
        default=dict, blank=True, help_text="Offsets, label, status before. Never text."
    )
    after = models.JSONField(
        default=dict, blank=True, help_text="Offsets, label, status after. Never text."
    )
    reason = models.TextField(
        blank=True, default="", help_text="The person's note (escalation, comment)."
    )
    version = models.PositiveIntegerField(help_text="The item's version after this decision.")

    class Meta:
        ordering = ["record_id", "id"]
        indexes = [
            # A record's history, and the corrections dataset, read decisions by record.
            models.Index(fields=["record", "at"], name="decision_record_at"),
            # The records list's reviewer filter: the records a person acted on.
            models.Index(fields=["actor", "record"], name="decision_actor_record"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    action__in=[
                        "accept",
                        "reject",
                        "relabel",
                        "adjust",
                        "add",
                        "accept_all",
                        "escalate",
                        "submit",
                        "release",
                        "comment",
                        "return",
                        "resolve",
                        "auto_clear",
                    ]
                ),
                name="decision_action_valid",
            ),
        ]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("Decisions are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Decisions are append-only.")
