"""/api/review/: lease the next record (review.queue.queue_next, as the page's "next"), read
an item with its spans, and post decisions on it with the lease (review.services). Writes
need the token's `review` scope; a lease someone else holds or a stale version is a 409."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from anonymizer.api.base import ApiView
from anonymizer.api.errors import error_body, errors
from anonymizer.api.review import ReviewRefused, item_body, item_for, perform
from anonymizer.api.serializers.review import DecisionSerializer, ReviewItemSerializer
from anonymizer.models import ApiToken
from review import services


class ReviewNextView(ApiView):
    write_scope = ApiToken.Scope.REVIEW
    serializer_class = ReviewItemSerializer

    @extend_schema(
        operation_id="review_next",
        summary="Lease the next record waiting in your batches",
        description="The review page's next record: one you still hold, else one an officer "
        "returned to you, else the highest tier, lowest confidence, oldest. The lease runs "
        "for VEIL_REVIEW_LEASE_SECONDS and every decision extends it.",
        request=None,
        responses={
            200: OpenApiResponse(ReviewItemSerializer, description="The leased record."),
            204: OpenApiResponse(description="Nothing is waiting for review in your batches."),
            **errors(),
        },
    )
    def post(self, request: Request) -> Response:
        item = services.queue_next(reviewer=request.user)
        if item is None:
            return Response(status=204)
        item, officer, _ = item_for(request.user, item.public_id, write=True)
        return Response(item_body(item, user=request.user, officer=officer, can_review=True))


class ReviewItemView(ApiView):
    serializer_class = ReviewItemSerializer

    @extend_schema(
        operation_id="review_item",
        summary="A record under review: state, version, lease and spans",
        responses={200: ReviewItemSerializer, **errors(404)},
    )
    def get(self, request: Request, public_id: Any) -> Response:
        item, officer, can_review = item_for(request.user, public_id, write=False)
        body = item_body(item, user=request.user, officer=officer, can_review=can_review)
        return Response(body)


class ReviewDecisionView(ApiView):
    write_scope = ApiToken.Scope.REVIEW
    serializer_class = DecisionSerializer

    @extend_schema(
        operation_id="review_decide",
        summary="Post a decision on a record you hold",
        description="Accept, reject, relabel or adjust a span; add a missed one; accept all; "
        "submit, escalate or release the record; officers take, comment on, return or resolve "
        "an escalation. Refused with 409 when your lease ended or another person holds the "
        "record, or when `version` is not the item's current one.",
        request=DecisionSerializer,
        responses={
            200: OpenApiResponse(ReviewItemSerializer, description="The item after the action."),
            **errors(400, 404, 409),
        },
    )
    def post(self, request: Request, public_id: Any) -> Response:
        item, officer, _ = item_for(request.user, public_id, write=True)
        decision = DecisionSerializer(data=request.data)
        decision.is_valid(raise_exception=True)
        data = decision.validated_data
        try:
            perform(data["action"], actor=request.user, item=item, officer=officer, data=data)
        except ReviewRefused as exc:
            return Response(error_body(str(exc)), status=exc.status)
        item, officer, can_review = item_for(request.user, public_id, write=False)
        return Response(item_body(item, user=request.user, officer=officer, can_review=can_review))
