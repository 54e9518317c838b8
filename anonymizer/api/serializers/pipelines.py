"""Pipelines for the API: what each one reads and exports, its runs, an inbox upload."""

from __future__ import annotations

from rest_framework import serializers

from anonymizer.models import DataClass, PipelineRun, Purpose, SourceFormat


class PipelineSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    source_format = serializers.ChoiceField(choices=SourceFormat.choices)
    data_class = serializers.ChoiceField(choices=DataClass.choices)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    policy_name = serializers.CharField(help_text="Exports use its latest approved version.")
    export_when_cleared = serializers.BooleanField()
    utility_label = serializers.CharField(help_text="'': no task accuracy in the report.")
    interval_minutes = serializers.IntegerField(allow_null=True,
                                                help_text="null: on demand only.")
    enabled = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    last_run_at = serializers.DateTimeField(allow_null=True)


class RunErrorSerializer(serializers.Serializer):
    file = serializers.CharField(help_text="The file's sha256 prefix ('-': the run itself).")
    error = serializers.CharField()


class PipelineRunSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    trigger = serializers.ChoiceField(choices=PipelineRun.Trigger.choices)
    status = serializers.ChoiceField(choices=PipelineRun.Status.choices)
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    files_seen = serializers.IntegerField()
    files_imported = serializers.IntegerField()
    files_known = serializers.IntegerField()
    files_failed = serializers.IntegerField()
    errors = RunErrorSerializer(many=True)


class PipelineDetailSerializer(PipelineSerializer):
    runs = PipelineRunSerializer(many=True, help_text="The last runs, newest first.")


class InboxUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A file in the pipeline's format.")
    run = serializers.BooleanField(required=False, default=False,
                                   help_text="Run the pipeline at once.")


class InboxPutSerializer(serializers.Serializer):
    sha256 = serializers.CharField(help_text="The file's content hash (its name is not kept).")
    run = PipelineRunSerializer(allow_null=True, help_text="The run, when one was asked for.")
