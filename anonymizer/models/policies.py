"""Versioned transformation policies."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from anonymizer.models.batches import DataClass, Purpose, SourceBatch
from anonymizer.models.fields import public_id_field, user_field


class Policy(models.Model):
    """How each entity type is transformed for a data class and purpose. Approved versions are
    immutable; a change makes a new version. Types the policy does not name are redacted."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PENDING = "pending", "Pending approval"
        APPROVED = "approved", "Approved"
        RETIRED = "retired", "Retired"

    public_id = public_id_field()
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
    id_rule = models.JSONField(
        default=dict,
        blank=True,
        help_text='The id column: {"operator", "params"}; empty: a keyed pseudonym per '
        "linkage domain.",
    )
    notes = models.TextField(blank=True, default="")
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)
    authored_by = user_field()
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        help_text="Everyone who wrote or changed this version; none of them may approve it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_by = user_field()
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

    def edited_by(self, user: Any) -> bool:
        """Whether `user` wrote or changed this version (four eyes: they may not approve it)."""
        if user is None or user.pk is None:
            return False
        return self.authored_by_id == user.pk or self.editors.filter(pk=user.pk).exists()

    def fits(self, batch: SourceBatch) -> bool:
        """Whether the policy may transform the batch: its data class and purpose, or blank
        (any). The one rule every export, policy choice and review preview asks."""
        return self.data_class in ("", batch.data_class) and self.purpose in ("", batch.purpose)

    def fit_rank(self, batch: SourceBatch) -> tuple[int, float]:
        """How well a fitting policy fits: exact data class and purpose first, newest next."""
        exact = (self.data_class == batch.data_class) + (self.purpose == batch.purpose)
        return exact, self.approved_at.timestamp() if self.approved_at else 0.0
