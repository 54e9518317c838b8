"""/api/pipelines/: the pipelines (officers and admins, as the pages), one with its runs, and
its upload inbox (admins, `upload` scope): the page's services, audited the same way."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from anonymizer import permissions
from anonymizer.api.base import ApiView
from anonymizer.api.errors import INVALID, error_body, errors
from anonymizer.api.serializers.pipelines import (
    InboxPutSerializer,
    InboxUploadSerializer,
    PipelineDetailSerializer,
    PipelineRunSerializer,
    PipelineSerializer,
)
from anonymizer.models import ApiToken, Pipeline
from anonymizer.pipelines import selectors, services

RUNS_SHOWN = 20


class PipelineListView(ApiView):
    serializer_class = PipelineSerializer

    def get_queryset(self) -> QuerySet[Pipeline]:
        if getattr(self, "swagger_fake_view", False):  # the schema's introspection
            return Pipeline.objects.none()
        permissions.require_perm(self.request.user, permissions.VIEW_PIPELINE)
        return Pipeline.objects.order_by("name")

    @extend_schema(operation_id="pipelines_list", summary="Pipelines",
                   responses={200: PipelineSerializer(many=True), **errors(400, 404)})
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(PipelineSerializer(page, many=True).data)


class PipelineDetailView(ApiView):
    serializer_class = PipelineDetailSerializer

    @extend_schema(operation_id="pipelines_detail", summary="One pipeline and its last runs",
                   responses={200: PipelineDetailSerializer, **errors(404)})
    def get(self, request: Request, public_id: Any) -> Response:
        pipeline = selectors.pipeline_for_user(request.user, public_id)
        runs = selectors.pipeline_runs(pipeline, RUNS_SHOWN)
        return Response({**PipelineSerializer(pipeline).data,
                         "runs": PipelineRunSerializer(runs, many=True).data})


class PipelineInboxView(ApiView):
    serializer_class = InboxUploadSerializer
    parser_classes = [MultiPartParser, FormParser]
    write_scope = ApiToken.Scope.UPLOAD

    @extend_schema(
        operation_id="pipelines_inbox",
        summary="Put a file into the pipeline's inbox (admins; needs the upload scope)",
        request={"multipart/form-data": InboxUploadSerializer},
        responses={201: OpenApiResponse(InboxPutSerializer, description="In the inbox."),
                   **errors(400, 404)},
    )
    def post(self, request: Request, public_id: Any) -> Response:
        pipeline = selectors.pipeline_for_user(request.user, public_id)
        permissions.require_perm(request.user, permissions.RUN_PIPELINE)
        form = InboxUploadSerializer(data=request.data)
        if not form.is_valid():
            fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
            return Response(error_body(INVALID, fields), status=400)
        try:
            sha = services.pipeline_inbox_put(actor=request.user, pipeline=pipeline,
                                              upload=form.validated_data["file"])
            run = (services.pipeline_run(pipeline=pipeline, actor=request.user)
                   if form.validated_data["run"] else None)
        except (services.InboxError, ValidationError) as exc:
            return Response(error_body(" ".join(getattr(exc, "messages", [str(exc)]))),
                            status=400)
        body = {"sha256": sha, "run": PipelineRunSerializer(run).data if run else None}
        return Response(body, status=201)
