"""Query filters of the list endpoints (django-filter: each one documented in the schema)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet

from anonymizer.batches.selectors import Stage, stage_is
from anonymizer.models import (
    BatchStatus,
    DataClass,
    ExportedDataset,
    Policy,
    Purpose,
    Record,
    RecordStatus,
    RiskAssessment,
    RuleSet,
    SourceBatch,
)
from audit.models import AuditEvent


class StableOrdering(filters.OrderingFilter):
    """The chosen order, then the primary key, so that pages never overlap."""

    def filter(self, qs: QuerySet[Any], value: Any) -> QuerySet[Any]:
        qs = super().filter(qs, value)
        return qs.order_by(*qs.query.order_by, "-pk") if value else qs


class BatchFilter(filters.FilterSet):
    stage = filters.ChoiceFilter(
        choices=Stage.choices, method="filter_stage", help_text="Where the batch is in its life."
    )
    status = filters.ChoiceFilter(choices=BatchStatus.choices)
    data_class = filters.ChoiceFilter(choices=DataClass.choices)
    purpose = filters.ChoiceFilter(choices=Purpose.choices)
    created_after = filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", help_text="Created on or after."
    )
    created_before = filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", help_text="Created on or before."
    )
    search = filters.CharFilter(
        field_name="name", lookup_expr="icontains", max_length=200, help_text="Part of the name."
    )
    ordering = StableOrdering(fields=("created_at", "name", "record_count"))

    class Meta:
        model = SourceBatch
        fields: list[str] = []

    def filter_stage(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """By conditions indexes answer (batches.selectors.stage_is), not the derived stage."""
        return qs.filter(stage_is(value)) if value else qs


class RecordFilter(filters.FilterSet):
    tier = filters.ChoiceFilter(
        choices=RiskAssessment.Tier.choices, help_text="The tier of the batch's current run."
    )
    reviewed = filters.BooleanFilter(
        method="filter_reviewed", help_text="true: a person reviewed it; false: not (yet)."
    )
    status = filters.ChoiceFilter(choices=RecordStatus.choices)

    class Meta:
        model = Record
        fields: list[str] = []

    def filter_reviewed(self, qs: QuerySet[Record], name: str, value: bool) -> QuerySet[Record]:
        reviewed = {"status": Record.Status.REVIEWED}
        return qs.filter(**reviewed) if value else qs.exclude(**reviewed)


class ExportFilter(filters.FilterSet):
    batch = filters.UUIDFilter(field_name="batch__public_id")
    status = filters.ChoiceFilter(choices=ExportedDataset.Status.choices)

    class Meta:
        model = ExportedDataset
        fields: list[str] = []


class PolicyFilter(filters.FilterSet):
    name = filters.CharFilter(max_length=80)
    status = filters.ChoiceFilter(choices=Policy.Status.choices)

    class Meta:
        model = Policy
        fields: list[str] = []


class RuleSetFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RuleSet.Status.choices)

    class Meta:
        model = RuleSet
        fields: list[str] = []


class AuditFilter(filters.FilterSet):
    kind = filters.CharFilter(
        method="filter_kind", max_length=60,
        help_text="The stage part of the action: batch, review, export, policy, ...",
    )
    action = filters.CharFilter(max_length=60, help_text="One exact action, e.g. review.accept.")
    actor = filters.CharFilter(field_name="actor_name", max_length=150, help_text="A username.")
    batch = filters.UUIDFilter(field_name="batch_public_id")
    date_from = filters.DateFilter(field_name="at", lookup_expr="date__gte")
    date_to = filters.DateFilter(field_name="at", lookup_expr="date__lte")

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_kind(self, qs: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[Any]:
        return qs.filter(action__startswith=f"{value}.")
