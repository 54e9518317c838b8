"""/api/batches/: the list (the batch list page's stage, progress and tier mix; filters,
ordering, pagination), the upload (the upload page's form and services, with
Idempotency-Key), and one batch with its records by status and its detection."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from anonymizer import permissions
from anonymizer.api import idempotency
from anonymizer.api.base import ApiView
from anonymizer.api.errors import INVALID, error_body, errors
from anonymizer.api.filters import BatchFilter
from anonymizer.api.serializers.batches import (
    BatchDetailSerializer,
    BatchSerializer,
    BatchUploadedSerializer,
    BatchUploadSerializer,
    batch_detail_data,
)
from anonymizer.batches import selectors, services
from anonymizer.batches.forms import BatchUploadForm
from anonymizer.batches.ingest import IngestError
from anonymizer.detection.selectors import run_progress
from anonymizer.models import ApiToken, IdempotencyKey, SourceBatch

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    idempotency.HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER,
    description="Makes a retry safe: the same key and request within 24 hours get the first "
    "answer again. 1 to 200 visible ASCII characters.",
)
DETECT_PARAMETER = OpenApiParameter(
    "detect", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=["0", "1"],
    description="0: import only; 1 (the default): queue detection too.",
)
REPLAYED_HEADER = OpenApiParameter(
    idempotency.REPLAYED, OpenApiTypes.STR, OpenApiParameter.HEADER, response=[201, 400],
    enum=["true"], description="Present when the answer is a replay of the first request's.",
)


def annotated(user: Any) -> QuerySet[SourceBatch]:
    """The batches the user may see, with stage, progress and tier mix (one query)."""
    visible = permissions.batches_for_user(user).select_related("created_by")
    return selectors.batches_with_stage(visible).order_by("-created_at", "-id")


def batch_body(batch: SourceBatch) -> dict[str, Any]:
    """One batch's detail: annotated, with its records by status and its detection."""
    batch = selectors.batches_with_stage(
        SourceBatch.objects.filter(pk=batch.pk).select_related("created_by", "current_run")
    ).get()
    run = batch.current_run
    progress = None if run is None else run_progress(run)
    return batch_detail_data(batch, selectors.batch_status_counts(batch), progress)


class BatchListView(ApiView):
    serializer_class = BatchSerializer
    filterset_class = BatchFilter
    parser_classes = [MultiPartParser, FormParser]
    write_scope = ApiToken.Scope.UPLOAD

    def get_queryset(self) -> QuerySet[SourceBatch]:
        if getattr(self, "swagger_fake_view", False):  # the schema's introspection
            return SourceBatch.objects.none()
        return annotated(self.request.user)

    @extend_schema(
        operation_id="batches_list",
        summary="Batches you may see",
        responses={200: BatchSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BatchSerializer(page, many=True).data)

    @extend_schema(
        operation_id="batches_upload",
        summary="Upload a batch (needs the upload scope)",
        request={"multipart/form-data": BatchUploadSerializer},
        parameters=[IDEMPOTENCY_PARAMETER, DETECT_PARAMETER, REPLAYED_HEADER],
        responses={
            201: OpenApiResponse(BatchUploadedSerializer, description="The batch, imported."),
            **errors(400, 409, 422),
        },
    )
    def post(self, request: Request) -> Response:
        permissions.require_perm(request.user, permissions.ADD)
        form = BatchUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
            return Response(error_body(INVALID, fields), status=400)

        def run(claim: IdempotencyKey | None) -> Response:
            return _import(request, form, claim)

        def current(claim: IdempotencyKey) -> dict[str, Any]:
            assert claim.batch is not None
            return {**batch_body(claim.batch), "detection_run": None, "detection_error": ""}

        return idempotency.import_once(request, form, run, current)


def _import(request: Request, form: BatchUploadForm, claim: IdempotencyKey | None) -> Response:
    try:
        imported = services.batch_import_and_detect(
            actor=request.user,
            data=form.cleaned_data["file"],
            detect=request.query_params.get("detect", "1") != "0",
            idempotency=claim,
            **form.import_kwargs(),
        )
    except IngestError as exc:
        return Response(error_body(str(exc)), status=400)
    body = {
        **batch_body(imported.batch),
        "detection_run": str(imported.run.public_id) if imported.run is not None else None,
        "detection_error": imported.detection_error,
    }
    return Response(body, status=201)


class BatchDetailView(ApiView):
    serializer_class = BatchDetailSerializer

    @extend_schema(
        operation_id="batches_detail",
        summary="One batch: stage, progress, tier mix, records by status, detection",
        responses={200: BatchDetailSerializer, **errors(404)},
    )
    def get(self, request: Request, public_id: Any) -> Response:
        batch = permissions.batch_for_user(request.user, public_id)
        return Response(batch_body(batch))
