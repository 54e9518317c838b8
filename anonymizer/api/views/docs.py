"""The OpenAPI schema and the Swagger UI. Both need a login (the docs page is a page like any
other: anonymous users go to the login page) or, for the schema, a token; neither holds data.
The UI runs under the strict CSP: its HTML has no inline script or style (the init script is
served apart, as drf-spectacular's split view does), and the sidecar serves its files."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import engines
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request

from anonymizer.api.authentication import ApiTokenAuthentication, SchemaSessionAuthentication

# drf-spectacular's swagger_ui.html without its inline <style> block.
PAGE = engines["django"].from_string(
    """<!DOCTYPE html>
<html lang="en">
<head>
<title>{{ title }}</title>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="{{ favicon_href }}">
<link rel="stylesheet" href="{{ swagger_ui_css }}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{{ swagger_ui_bundle }}"></script>
<script src="{{ swagger_ui_standalone }}"></script>
<script src="{{ script_url }}"></script>
</body>
</html>
"""
)


class SchemaView(SpectacularAPIView):
    authentication_classes = [ApiTokenAuthentication, SchemaSessionAuthentication]
    permission_classes = [IsAuthenticated]


class DocsView(SpectacularSwaggerSplitView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]  # the login check is below: a redirect, not a 401
    url_name = "api_schema"

    def perform_authentication(self, request: Request) -> None:
        """None here: the page reads the session's user (Django's), which DRF's
        authentication would replace."""

    @extend_schema(exclude=True)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        django_request = request._request
        if not django_request.user.is_authenticated:
            return redirect_to_login(django_request.get_full_path(), settings.LOGIN_URL)
        response = super().get(request, *args, **kwargs)
        if request.GET.get("script") is not None:
            return response
        return HttpResponse(PAGE.render(response.data, django_request))


@csrf_exempt  # no session acts here: a POST to no endpoint is a 404 too, not a CSRF 403
def not_found(request: HttpRequest) -> JsonResponse:
    """Any path under /api/ that names no endpoint."""
    return JsonResponse({"error": "No such API endpoint."}, status=404)
