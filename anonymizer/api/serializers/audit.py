"""Audit events as the audit page shows them (audit.selectors.event_row)."""

from __future__ import annotations

from rest_framework import serializers


class AuditEventSerializer(serializers.Serializer):
    seq = serializers.IntegerField(help_text="1, 2, 3, ... with no gaps.")
    at = serializers.DateTimeField()
    actor = serializers.CharField(allow_blank=True, help_text="A username; '' for the system.")
    action = serializers.CharField()
    batch = serializers.CharField(allow_blank=True, help_text="The batch's id, or ''.")
    target = serializers.CharField(allow_blank=True, help_text="type:id, or ''.")
    payload = serializers.DictField(help_text="Ids, offsets, types and hashes: never text.")
    ip = serializers.CharField(allow_blank=True)
    hash = serializers.CharField(help_text="sha256 of the previous hash and this event.")
