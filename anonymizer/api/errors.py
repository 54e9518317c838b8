"""One error shape for every refusal: {"error": message} and, for invalid input, "fields":
{name: [messages]}. Messages are safe to show: they never hold record text."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

INVALID = "Invalid request."


class ErrorSerializer(serializers.Serializer):
    error = serializers.CharField(help_text="What went wrong, safe to show.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For invalid input: the messages per field.",
    )


DESCRIPTIONS = {
    400: "Invalid request: see `error` and `fields`.",
    401: "No valid API token (the answer carries `WWW-Authenticate: Bearer`).",
    403: "The token lacks the scope, or the user's role does not allow this.",
    404: "No such object, or the user may not see it.",
    409: "A conflict: someone else holds the lease, the version changed, or the request is "
    "still running.",
    422: "The Idempotency-Key was used with a different request.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error answers for `@extend_schema(responses=...)`; 401 and 403 always."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=DESCRIPTIONS[code])
        for code in sorted({401, 403, *codes})
    }


def error_body(message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    return {"error": message, **({"fields": fields} if fields else {})}


def _flatten(detail: Any) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {str(k): [str(m) for m in _messages(v)] for k, v in detail.items()}
    return {"non_field_errors": [str(m) for m in _messages(detail)]}


def _messages(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, v in value.items() for m in _messages(v)]
    if isinstance(value, list):
        return [m for v in value for m in _messages(v)]
    return [value]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler (404 and 403 from Django's exceptions, 401 with WWW-Authenticate), each
    body rewritten to the one error shape; a Django ValidationError (a malformed value) is a
    400 instead of a server error."""
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError({"non_field_errors": exc.messages})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        response.data = error_body(INVALID, _flatten(exc.detail))
    elif isinstance(exc, APIException):
        response.data = error_body(str(exc.detail))
    else:
        response.data = error_body(str(response.data.get("detail", "")))
    return response
