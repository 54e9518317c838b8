"""/api/batches/{id}/records/: a batch's records, transformed (never raw), with their tier,
triggers and review state; filters by tier, reviewed or not, and status. Seen by those who
see the batch (anonymizer.permissions.batch_for_user: 404 otherwise)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from anonymizer import permissions
from anonymizer.api.base import ApiView
from anonymizer.api.errors import errors
from anonymizer.api.filters import RecordFilter
from anonymizer.api.serializers.records import RecordSerializer
from anonymizer.api.transformed import batch_records, record_views
from anonymizer.models import Record, SourceBatch


class _BatchRecords(ApiView):
    serializer_class = RecordSerializer

    def batch(self) -> SourceBatch:
        batch = permissions.batch_for_user(self.request.user, self.kwargs["public_id"])
        return SourceBatch.objects.select_related("current_run").get(pk=batch.pk)


class RecordListView(_BatchRecords):
    filterset_class = RecordFilter

    def get_queryset(self) -> QuerySet[Record]:
        if getattr(self, "swagger_fake_view", False):  # the schema's introspection
            return Record.objects.none()
        return batch_records(self.batch())

    @extend_schema(
        operation_id="records_list",
        summary="A batch's records, transformed",
        responses={200: RecordSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, public_id: Any) -> Response:
        batch = self.batch()
        records = self.filter_queryset(batch_records(batch))
        page = self.paginate_queryset(records)
        views = record_views(batch, page if page is not None else list(records))
        return self.get_paginated_response(RecordSerializer(views, many=True).data)


class RecordDetailView(_BatchRecords):
    @extend_schema(
        operation_id="records_detail",
        summary="One record of a batch, transformed",
        responses={200: RecordSerializer, **errors(404)},
    )
    def get(self, request: Request, public_id: Any, position: int) -> Response:
        batch = self.batch()
        record = batch_records(batch).filter(position=position).first()
        if record is None:
            raise Http404("No such record.")
        return Response(RecordSerializer(record_views(batch, [record])[0]).data)
