"""Review through the API: a record's review item, its spans, and the decisions posted on it
(the review page's actions, review.forms)."""

from __future__ import annotations

from rest_framework import serializers

from review.forms import ACTIONS
from review.models import ItemState, SpanOrigin, SpanStatus
from review.selectors import Mode
from review.services import NOTE_MAX


class LeaseSerializer(serializers.Serializer):
    held = serializers.BooleanField(help_text="You hold a live lease on the record.")
    holder = serializers.CharField(
        allow_null=True, help_text="Who else holds a live lease on it (a username), if anyone."
    )
    expires_at = serializers.DateTimeField(allow_null=True)


class ReviewSpanSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The span's id for decisions.")
    start = serializers.IntegerField(min_value=0, help_text="Offset in code points.")
    end = serializers.IntegerField(min_value=1)
    label = serializers.CharField(help_text="The entity type.")
    status = serializers.ChoiceField(choices=SpanStatus.choices)
    origin = serializers.ChoiceField(choices=SpanOrigin.choices)
    score = serializers.FloatField(allow_null=True, help_text="The detector's; null if added.")
    recognizer = serializers.CharField()
    text = serializers.CharField(
        allow_null=True,
        help_text="The covered raw text: only for those who may review the batch, else null.",
    )


class ReviewItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    batch = serializers.UUIDField()
    position = serializers.IntegerField(help_text="The record's position in its batch.")
    state = serializers.ChoiceField(choices=ItemState.choices)
    version = serializers.IntegerField(
        min_value=0, help_text="Send it with every decision: a stale one is refused (409)."
    )
    sampled = serializers.BooleanField()
    mode = serializers.ChoiceField(
        choices=[m.value for m in Mode],
        help_text="review: you hold it; officer: you hold the escalation; read: look only.",
    )
    can_review = serializers.BooleanField(
        help_text="You may review this batch (and so read its text)."
    )
    lease = LeaseSerializer()
    pending = serializers.IntegerField(min_value=0, help_text="Spans not decided yet.")
    text = serializers.CharField(
        allow_null=True, help_text="The raw record text, for those who may review the batch."
    )
    preview = serializers.CharField(
        allow_null=True, help_text="The text as it would leave under the batch's policy."
    )
    spans = ReviewSpanSerializer(
        many=True, help_text="Copied from the detections when the record is first leased."
    )
    labels = serializers.ListField(child=serializers.CharField(), help_text="Entity types.")


class DecisionSerializer(serializers.Serializer):
    """One action, as the review page posts it; the services check what each one needs."""

    action = serializers.ChoiceField(
        choices=list(ACTIONS),
        help_text="Span: accept, reject, relabel, adjust. Record: add, accept_all, submit, "
        "escalate, release. Officers on an escalation: take, comment, return, resolve.",
    )
    version = serializers.IntegerField(
        min_value=0, required=False, allow_null=True,
        help_text="The item's version you saw (every action but take).",
    )
    span = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    label = serializers.CharField(max_length=40, required=False, allow_blank=True)
    start = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    end = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)
