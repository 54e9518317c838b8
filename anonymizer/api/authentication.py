"""Bearer-token authentication for the API: `Authorization: Bearer veil_...`.

Only a token authenticates an API call; the browser session never does, so CSRF plays no
part. A missing token, an unknown, revoked or expired one, or one whose user is inactive gets
401 with `WWW-Authenticate: Bearer`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from anonymizer.batches.services import api_token_authenticate

SCHEME = "Bearer"
INVALID = "A valid API token is required."


class ApiTokenAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != SCHEME.lower():
            return None  # no token: NotAuthenticated (401) once a permission asks for a user
        token = api_token_authenticate(key.strip())
        if token is None:
            raise AuthenticationFailed(INVALID)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return SCHEME


class SchemaSessionAuthentication(SessionAuthentication):
    """For the schema only, which holds no data: the docs page's logged-in browser may read
    it. GET only, so the CSRF check of the session class never refuses it. No other API view
    accepts a session."""


class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = ApiTokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from the API tokens page (/tokens/) or "
            "`manage.py api_token create`; its scopes limit what it may do.",
        }
