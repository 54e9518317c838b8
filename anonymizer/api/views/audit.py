"""/api/audit/events/: the audit trail, for privacy officers only (the audit page's
permission: 403 for everyone else), newest first, with the page's filters."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from anonymizer import permissions
from anonymizer.api.base import ApiView
from anonymizer.api.errors import errors
from anonymizer.api.filters import AuditFilter
from anonymizer.api.serializers.audit import AuditEventSerializer
from audit.models import AuditEvent
from audit.selectors import event_row, events_filtered


class AuditEventListView(ApiView):
    serializer_class = AuditEventSerializer
    filterset_class = AuditFilter

    def get_queryset(self) -> QuerySet[AuditEvent]:
        if getattr(self, "swagger_fake_view", False):  # the schema's introspection
            return AuditEvent.objects.none()
        permissions.require_perm(self.request.user, permissions.VIEW_AUDIT)
        return events_filtered()

    @extend_schema(
        operation_id="audit_events",
        summary="Audit events, newest first (privacy officers)",
        responses={200: AuditEventSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = [event_row(e) for e in page]
        return self.get_paginated_response(AuditEventSerializer(rows, many=True).data)
