"""/api/exports/: start an export (batch + approved policy; the `export` scope and the role's
permission, as the batch page's export button), its status and progress, and its files.
Downloading a file is a GET here; it records the same `export.downloaded` audit event as the
page's download (anonymizer.exports.services.export_download_path)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from anonymizer import permissions
from anonymizer.api.base import ApiView
from anonymizer.api.errors import error_body, errors
from anonymizer.api.filters import ExportFilter
from anonymizer.api.serializers.exports import (
    ExportCreateSerializer,
    ExportDetailSerializer,
    ExportSerializer,
)
from anonymizer.exports import services
from anonymizer.exports.selectors import ExportError
from anonymizer.models import ApiToken, ExportedDataset, Policy
from audit.services import client_ip


class ExportListView(ApiView):
    serializer_class = ExportSerializer
    filterset_class = ExportFilter
    write_scope = ApiToken.Scope.EXPORT

    def get_queryset(self) -> QuerySet[ExportedDataset]:
        if getattr(self, "swagger_fake_view", False):  # the schema's introspection
            return ExportedDataset.objects.none()
        permissions.require_perm(self.request.user, permissions.VIEW_EXPORT)
        visible = permissions.batches_for_user(self.request.user).values("id")
        return (
            ExportedDataset.objects.filter(batch__in=visible)
            .select_related("batch", "policy", "created_by")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        operation_id="exports_list",
        summary="Exports of the batches you may see",
        responses={200: ExportSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ExportSerializer(page, many=True).data)

    @extend_schema(
        operation_id="exports_create",
        summary="Start an export of a batch under an approved policy (needs the export scope)",
        request=ExportCreateSerializer,
        responses={
            201: OpenApiResponse(ExportDetailSerializer, description="The export, queued."),
            **errors(400, 404),
        },
    )
    def post(self, request: Request) -> Response:
        wanted = ExportCreateSerializer(data=request.data)
        wanted.is_valid(raise_exception=True)
        batch = permissions.batch_for_user(
            request.user, wanted.validated_data["batch"], permissions.ADD_EXPORT
        )
        policy = Policy.objects.filter(public_id=wanted.validated_data["policy"]).first()
        if policy is None:
            return Response(error_body("Choose an approved policy."), status=400)
        try:
            export = services.export_start(actor=request.user, batch=batch, policy=policy)
        except ExportError as exc:
            return Response(error_body(str(exc)), status=400)
        return Response(ExportDetailSerializer(export).data, status=201)


class ExportDetailView(ApiView):
    serializer_class = ExportDetailSerializer

    @extend_schema(
        operation_id="exports_detail",
        summary="An export: status, progress, files, manifest",
        responses={200: ExportDetailSerializer, **errors(404)},
    )
    def get(self, request: Request, public_id: Any) -> Response:
        export = permissions.export_for_user(request.user, public_id)
        return Response(ExportDetailSerializer(export).data)


class AnyAccept(BaseContentNegotiation):
    """A file goes out as bytes whatever the client accepts (errors as JSON)."""

    def select_parser(self, request: Request, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Request, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class ExportFileView(ApiView):
    extra_read_scopes = (ApiToken.Scope.EXPORT,)
    content_negotiation_class = AnyAccept

    @extend_schema(
        operation_id="exports_file",
        summary="Download one file of a finished export (needs read and export scopes)",
        description="Audited as `export.downloaded`, as the page's download is.",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The file."
            ),
            **errors(404),
        },
    )
    def get(self, request: Request, public_id: Any, name: str) -> Any:
        export = permissions.export_for_user(request.user, public_id)
        try:
            path = services.export_download_path(
                actor=request.user, export=export, name=name,
                ip_address=client_ip(request),
            )
        except ExportError:
            raise Http404("No such file.") from None
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=f"{export.batch.name}-{export.public_id}-{name}",
            content_type="application/octet-stream",
        )
