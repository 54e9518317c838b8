"""Policies and rule sets, read-only: their versions and status."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from anonymizer.models import DataClass, Policy, Purpose, RuleSet


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


class VersionRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Policy.Status.choices)


class PolicySerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Policy.Status.choices)
    data_class = serializers.ChoiceField(
        choices=[("", "Any"), *DataClass.choices], help_text="'': any data class."
    )
    purpose = serializers.ChoiceField(
        choices=[("", "Any"), *Purpose.choices], help_text="'': any purpose."
    )
    linkage_domain = serializers.CharField()
    authored_by = serializers.SerializerMethodField()
    approved_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    approved_at = serializers.DateTimeField(allow_null=True)
    retired_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_authored_by(self, policy: Policy) -> str | None:
        return _username(policy.authored_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_approved_by(self, policy: Policy) -> str | None:
        return _username(policy.approved_by)


class PolicyDetailSerializer(PolicySerializer):
    rules = serializers.DictField(help_text='{"rules": {TYPE: {operator, params}}, "default"}')
    column_rules = serializers.DictField(help_text="{column: {operator, params}}")
    id_rule = serializers.DictField()
    tabular = serializers.DictField(help_text="k, l, suppression, dp targets.")
    notes = serializers.CharField(allow_blank=True)
    versions = serializers.SerializerMethodField()

    @extend_schema_field(VersionRefSerializer(many=True))
    def get_versions(self, policy: Policy) -> Any:
        same = Policy.objects.filter(name=policy.name).order_by("-version")
        return VersionRefSerializer(same, many=True).data


class RuleSetSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RuleSet.Status.choices)
    based_on = serializers.SerializerMethodField()
    notes = serializers.CharField(allow_blank=True)
    validation_sample_rate = serializers.FloatField()
    created_by = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    activated_by = serializers.SerializerMethodField()
    activated_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_based_on(self, ruleset: RuleSet) -> int | None:
        return ruleset.based_on.version if ruleset.based_on is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_created_by(self, ruleset: RuleSet) -> str | None:
        return _username(ruleset.created_by)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_activated_by(self, ruleset: RuleSet) -> str | None:
        return _username(ruleset.activated_by)


class RuleSetDetailSerializer(RuleSetSerializer):
    config = serializers.DictField(
        help_text="Patterns, context, and learned lists as keyed digests (never the strings)."
    )
    activation_override = serializers.CharField(allow_blank=True)
