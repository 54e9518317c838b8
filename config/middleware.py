from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

from config import views

# Paths reachable without a session: the login page itself, static assets, the token API
# (which authenticates each request itself), the health probe (public, says little) and the
# metrics (which check their own bearer token or loopback caller: config.metrics).
PUBLIC_PREFIXES = ("/accounts/login/", "/static/", "/api/", "/healthz", "/metrics")


class LoginRequiredEverywhereMiddleware:
    """Every page requires login unless it is explicitly public."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(PUBLIC_PREFIXES):
            if request.headers.get("HX-Request"):
                return JsonResponse({"error": "login required"}, status=401)
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        return self.get_response(request)


class NoStoreMiddleware:
    """No browser or proxy keeps a copy of a page: any of them may show raw customer text
    (a record, the review workspace, an escalation note, a vault lookup, a batch's records).
    Static assets (served by WhiteNoise before this runs, or under STATIC_URL) stay cacheable."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            add_never_cache_headers(response)  # Cache-Control: ... no-store ..., private
        return response


class RefusalMiddleware:
    """A refused request (PermissionDenied) gets the 403 page and one log line, Django's
    "Forbidden: /path", instead of a logged traceback; an id a lookup could not parse (a
    field's "invalid" ValidationError, e.g. a malformed uuid in a form) is a 404, not a 500.
    Listed last, so that it sees the view's exception first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, PermissionDenied):
            return views.forbidden(request, exception)
        if isinstance(exception, ValidationError) and _is_malformed_value(exception):
            return views.not_found(request, exception)
        return None


def _is_malformed_value(error: ValidationError) -> bool:
    """A single field value that could not be parsed, not a model's or a form's validation."""
    return not hasattr(error, "error_dict") and getattr(error, "code", None) == "invalid"
