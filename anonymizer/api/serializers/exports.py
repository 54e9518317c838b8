"""Exports: their status and progress, files, and the request that starts one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from anonymizer.api.serializers.records import PolicyRefSerializer
from anonymizer.models import ExportedDataset


class ExportFileSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="For /api/exports/{id}/files/{name}.")
    sha256 = serializers.CharField(allow_null=True, help_text="Null for the manifest itself.")
    bytes = serializers.IntegerField(allow_null=True, min_value=0)


class ExportProgressSerializer(serializers.Serializer):
    done = serializers.IntegerField(min_value=0)
    total = serializers.IntegerField(min_value=0)


class ExportSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    batch = serializers.UUIDField(source="batch.public_id")
    policy = PolicyRefSerializer()
    status = serializers.ChoiceField(choices=ExportedDataset.Status.choices)
    progress = serializers.SerializerMethodField()
    error = serializers.CharField(allow_blank=True, help_text="Why it failed; never record text.")
    attempts = serializers.IntegerField(min_value=0)
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    files = serializers.SerializerMethodField()

    @extend_schema_field(ExportProgressSerializer)
    def get_progress(self, export: ExportedDataset) -> dict[str, int]:
        total = export.records_total or export.batch.record_count
        return {"done": export.records_done, "total": total}

    @extend_schema_field(ExportFileSerializer(many=True))
    def get_files(self, export: ExportedDataset) -> list[dict[str, Any]]:
        listed = dict(export.manifest.get("files") or {}) if export.file_names() else {}
        rows = [
            {"name": name, "sha256": entry.get("sha256"), "bytes": entry.get("bytes")}
            for name, entry in listed.items()
        ]
        if export.file_names():
            rows.append({"name": ExportedDataset.MANIFEST_FILE, "sha256": None, "bytes": None})
        return rows


class ExportDetailSerializer(ExportSerializer):
    manifest = serializers.DictField(
        help_text="What the export holds: counts, files, the residual scan; never record text."
    )


class ExportCreateSerializer(serializers.Serializer):
    batch = serializers.UUIDField()
    policy = serializers.UUIDField(help_text="An approved policy that fits the batch.")
