"""Records of a batch: the transformed text only (anonymizer.api.transformed), the tier and
triggers of the current run, the review state. Never the raw text, the structured fields or
the source system's id (the id column leaves an export as a pseudonym)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from anonymizer.models import RecordStatus, RiskAssessment
from review.models import ItemState


class TriggerSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Why the record got its tier (see /help/).")
    detail = serializers.DictField(help_text="Offsets and counts only, never text.")


class PolicyRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    version = serializers.IntegerField()


class ReviewRefSerializer(serializers.Serializer):
    item = serializers.UUIDField(source="public_id", help_text="Id for /api/review/items/.")
    state = serializers.ChoiceField(choices=ItemState.choices)
    version = serializers.IntegerField()
    sampled = serializers.BooleanField(help_text="A low-tier record sampled into the queue.")


class RecordSerializer(serializers.Serializer):
    """Reads a RecordView."""

    position = serializers.IntegerField(source="record.position", help_text="1-based, file order.")
    status = serializers.ChoiceField(source="record.status", choices=RecordStatus.choices)
    reviewed = serializers.SerializerMethodField()
    tier = serializers.ChoiceField(
        source="risk.tier", choices=RiskAssessment.Tier.choices, allow_null=True, default=None
    )
    triggers = TriggerSerializer(source="risk.triggers", many=True, default=list)
    span_count = serializers.IntegerField(source="risk.span_count", allow_null=True, default=None)
    review = ReviewRefSerializer(source="item", allow_null=True)
    text = serializers.CharField(
        allow_null=True,
        help_text="The text transformed under `policy` as the review page previews it; null "
        "until detection has finished. Never the raw text.",
    )
    policy = PolicyRefSerializer(
        allow_null=True, help_text="The approved policy that fits the batch; null: all redacted."
    )

    @extend_schema_field(serializers.BooleanField(help_text="A person reviewed it."))
    def get_reviewed(self, view: Any) -> bool:
        return bool(view.record.status == RecordStatus.REVIEWED)
