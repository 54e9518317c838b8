"""Reading pipelines: the list with each one's last run, a pipeline's runs and files."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from anonymizer import permissions
from anonymizer.models import Pipeline, PipelineFile, PipelineRun


def pipelines_listed() -> QuerySet[Pipeline]:
    last = PipelineRun.objects.filter(pipeline=OuterRef("pk")).order_by("-started_at", "-id")
    return Pipeline.objects.select_related("owner").annotate(
        last_status=Subquery(last.values("status")[:1]),
        batches=Count("files", filter=Q(files__batch__isnull=False), distinct=True),
        exported=Count("files", filter=Q(files__export__isnull=False), distinct=True),
    )


def pipeline_runs(pipeline: Pipeline, limit: int = 50) -> list[PipelineRun]:
    return list(pipeline.runs.select_related("started_by")[:limit])


def pipeline_files(pipeline: Pipeline, limit: int = 100) -> list[PipelineFile]:
    return list(pipeline.files.select_related("batch", "export", "run")
                .order_by("-created_at", "-id")[:limit])


def pipeline_for_user(user: Any, public_id: Any) -> Pipeline:
    """The pipeline, for a user who may see pipelines; 404 otherwise (as for a wrong id)."""
    if not permissions.may(user, permissions.VIEW_PIPELINE):
        raise Http404
    try:
        return Pipeline.objects.select_related("owner").get(public_id=public_id)
    except Pipeline.DoesNotExist:
        raise Http404 from None
