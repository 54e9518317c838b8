"""/api/policies/ and /api/rulesets/: read-only, for those whose role may see them (officers
and admins, as the pages: 403 otherwise)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from anonymizer import permissions
from anonymizer.api.base import ApiView
from anonymizer.api.errors import errors
from anonymizer.api.filters import PolicyFilter, RuleSetFilter
from anonymizer.api.serializers.catalog import (
    PolicyDetailSerializer,
    PolicySerializer,
    RuleSetDetailSerializer,
    RuleSetSerializer,
)
from anonymizer.models import Policy, RuleSet


class _List(ApiView):
    perm = ""
    model: Any = None
    related: tuple[str, ...] = ()

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # the schema's introspection
            return self.model.objects.none()
        permissions.require_perm(self.request.user, self.perm)
        return self.model.objects.select_related(*self.related)

    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class PolicyListView(_List):
    serializer_class = PolicySerializer
    filterset_class = PolicyFilter
    perm = permissions.VIEW_POLICY
    model = Policy
    related = ("authored_by", "approved_by")

    @extend_schema(
        operation_id="policies_list",
        summary="Policy versions",
        responses={200: PolicySerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class PolicyDetailView(ApiView):
    serializer_class = PolicyDetailSerializer

    @extend_schema(
        operation_id="policies_detail",
        summary="One policy version: its rules, and every version of its name",
        responses={200: PolicyDetailSerializer, **errors(404)},
    )
    def get(self, request: Request, public_id: Any) -> Response:
        policy = permissions.policy_for_user(request.user, public_id)
        return Response(PolicyDetailSerializer(policy).data)


class RuleSetListView(_List):
    serializer_class = RuleSetSerializer
    filterset_class = RuleSetFilter
    perm = permissions.VIEW_RULESET
    model = RuleSet
    related = ("based_on", "created_by", "activated_by")

    @extend_schema(
        operation_id="rulesets_list",
        summary="Rule-set versions",
        responses={200: RuleSetSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request) -> Response:
        return super().get(request)


class RuleSetDetailView(ApiView):
    serializer_class = RuleSetDetailSerializer

    @extend_schema(
        operation_id="rulesets_detail",
        summary="One rule-set version with its configuration",
        parameters=[OpenApiParameter("version", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={200: RuleSetDetailSerializer, **errors(404)},
    )
    def get(self, request: Request, version: str) -> Response:
        number = int(version)
        if not 0 < number < 2**31:
            raise Http404("No such rule set.")
        ruleset = permissions.ruleset_for_user(request.user, number)
        return Response(RuleSetDetailSerializer(ruleset).data)
