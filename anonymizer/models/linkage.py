"""Linkage tests: an officer's attempt to join an export back to an external table."""

from __future__ import annotations

from django.db import models

from anonymizer.models.exports import ExportedDataset
from anonymizer.models.fields import public_id_field, user_field


class LinkageTest(models.Model):
    """The outcome of joining an export to an external table (a CRM extract, a public list) on
    shared quasi-identifiers and of searching its text for the table's direct identifiers.
    The table itself is never stored: its sha256, row count and column names are; results are
    counts and record ids of the export, never values."""

    public_id = public_id_field()
    export = models.ForeignKey(
        ExportedDataset, on_delete=models.CASCADE, related_name="linkage_tests"
    )
    created_by = user_field(optional=False)
    created_at = models.DateTimeField(auto_now_add=True)
    external_sha256 = models.CharField(max_length=64)
    external_rows = models.PositiveIntegerField()
    shared_columns = models.JSONField(
        default=dict, help_text="External column -> the export's column it is joined on."
    )
    identifier_columns = models.JSONField(
        default=list, help_text="External columns holding direct identifiers, searched in text."
    )
    result = models.JSONField(default=dict)
    passed = models.BooleanField()

    class Meta:
        ordering = ["-created_at", "-id"]
