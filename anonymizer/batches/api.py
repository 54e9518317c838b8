"""JSON API with bearer-token authentication: `Authorization: Bearer veil_...`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from anonymizer import permissions
from anonymizer.batches import selectors, services
from anonymizer.batches.forms import BatchUploadForm
from anonymizer.batches.ingest import IngestError

View = Callable[..., HttpResponse]


def token_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        user = services.api_token_authenticate(key.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            response = JsonResponse({"error": "A valid API token is required."}, status=401)
            response["WWW-Authenticate"] = "Bearer"
            return response
        request.user = user
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return JsonResponse({"error": "Not found."}, status=404)
        except PermissionDenied:
            return JsonResponse({"error": "Your role does not allow this."}, status=403)

    return wrapper


@csrf_exempt
@require_http_methods(["GET", "POST"])
@token_required
def api_batches(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        batches = permissions.batches_for_user(request.user).select_related("created_by")[:200]
        return JsonResponse({"batches": [selectors.batch_summary(b) for b in batches]})
    permissions.require_perm(request.user, permissions.ADD)
    form = BatchUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        return JsonResponse({"error": "Invalid request.", "fields": errors}, status=400)
    try:
        imported = services.batch_import_and_detect(
            actor=request.user,
            data=form.cleaned_data["file"].read(),
            detect=request.GET.get("detect", "1") != "0",
            **form.import_kwargs(),
        )
    except IngestError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    body = selectors.batch_summary(imported.batch)
    if imported.run is not None:
        body["detection_run"] = str(imported.run.public_id)
    if imported.detection_error:
        body["detection_error"] = imported.detection_error
    return JsonResponse(body, status=201)


@csrf_exempt
@require_http_methods(["GET"])
@token_required
def api_batch_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = permissions.batch_for_user(request.user, public_id)
    return JsonResponse(selectors.batch_summary(batch))
