"""Batches: the list and detail rows, the upload form (as the page's BatchUploadForm), and the
upload's answer."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from anonymizer.batches.forms import AUTO
from anonymizer.batches.selectors import Stage
from anonymizer.models import (
    BatchStatus,
    DataClass,
    DetectionRun,
    Purpose,
    RecordStatus,
    SourceBatch,
    SourceFormat,
)


class ProgressSerializer(serializers.Serializer):
    unit = serializers.ChoiceField(
        choices=["chunks", "records"],
        help_text="chunks while detection runs; records settled (reviewed or auto-cleared) after.",
    )
    done = serializers.IntegerField(min_value=0)
    total = serializers.IntegerField(min_value=0)


class TierMixSerializer(serializers.Serializer):
    low = serializers.IntegerField(min_value=0)
    medium = serializers.IntegerField(min_value=0)
    high = serializers.IntegerField(min_value=0)


class BatchSerializer(serializers.Serializer):
    """A batch as the batch list shows it: its life-cycle stage, progress and tier mix (the
    queryset comes annotated by anonymizer.batches.selectors.batches_with_stage)."""

    id = serializers.UUIDField(source="public_id")
    name = serializers.CharField()
    data_class = serializers.ChoiceField(choices=DataClass.choices)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    status = serializers.ChoiceField(choices=BatchStatus.choices)
    stage = serializers.ChoiceField(choices=Stage.choices)
    source_format = serializers.ChoiceField(choices=SourceFormat.choices)
    record_count = serializers.IntegerField(min_value=0)
    char_count = serializers.IntegerField(min_value=0)
    structured_columns = serializers.ListField(child=serializers.CharField())
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    progress = serializers.SerializerMethodField()
    tiers = serializers.SerializerMethodField()

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, batch: Any) -> dict[str, Any]:
        if batch.stage == Stage.DETECTING:
            return {"unit": "chunks", "done": batch.chunks_done, "total": batch.chunks_total}
        return {"unit": "records", "done": batch.records_settled, "total": batch.record_count}

    @extend_schema_field(TierMixSerializer)
    def get_tiers(self, batch: Any) -> dict[str, Any]:
        return {"low": batch.tier_low, "medium": batch.tier_medium, "high": batch.tier_high}


RecordsByStatusSerializer = type(
    "RecordsByStatusSerializer",
    (serializers.Serializer,),
    {value: serializers.IntegerField(min_value=0) for value in RecordStatus.values},
)


class DetectionSerializer(serializers.Serializer):
    run = serializers.UUIDField(help_text="The detection run whose spans and tiers are shown.")
    status = serializers.ChoiceField(choices=DetectionRun.Status.choices)
    records_done = serializers.IntegerField(min_value=0)
    records_total = serializers.IntegerField(min_value=0)
    chunks_done = serializers.IntegerField(min_value=0)
    chunks_failed = serializers.IntegerField(min_value=0)
    chunks_total = serializers.IntegerField(min_value=0)


class BatchDetailSerializer(BatchSerializer):
    records_by_status = RecordsByStatusSerializer()
    detection = DetectionSerializer(allow_null=True, help_text="Null before detection starts.")


UPLOAD_FORMATS = [(AUTO, "Guess from the file name"), *SourceFormat.choices]


class BatchUploadSerializer(serializers.Serializer):
    """The upload's fields: those of the upload page (BatchUploadForm validates them)."""

    name = serializers.CharField(max_length=200)
    data_class = serializers.ChoiceField(choices=DataClass.choices)
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    source_format = serializers.ChoiceField(
        choices=UPLOAD_FORMATS, help_text="auto: guessed from the file name.",
    )
    file = serializers.FileField(help_text="CSV, JSON Lines or plain text.")
    text_columns = serializers.CharField(
        required=False, allow_blank=True, max_length=2000,
        help_text="CSV/JSONL: the column(s) holding the text, comma-separated.",
    )
    id_column = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text="CSV/JSONL: the column holding each record's id.",
    )


class BatchUploadedSerializer(BatchDetailSerializer):
    detection_run = serializers.UUIDField(
        allow_null=True, help_text="The detection run queued for the batch, if one was."
    )
    detection_error = serializers.CharField(
        allow_blank=True, help_text="Why detection could not be queued (an error class), or ''."
    )


def detection_of(progress: Any) -> dict[str, Any] | None:
    """A RunProgress (anonymizer.detection.selectors) as the detail's `detection`."""
    if progress is None:
        return None
    return {
        "run": progress.run.public_id,
        "status": progress.run.status,
        "records_done": progress.records_done,
        "records_total": progress.records_total,
        "chunks_done": progress.chunks_done,
        "chunks_failed": progress.chunks_failed,
        "chunks_total": progress.chunks_total,
    }


def batch_detail_data(batch: SourceBatch, counts: dict[str, int], progress: Any) -> Any:
    """The detail's body: the annotated batch, its records by status, its detection."""
    batch.records_by_status = counts  # type: ignore[attr-defined]
    batch.detection = detection_of(progress)  # type: ignore[attr-defined]
    return BatchDetailSerializer(batch).data
