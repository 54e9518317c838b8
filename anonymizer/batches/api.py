"""JSON API with bearer-token authentication: `Authorization: Bearer veil_...`.

A token's scopes limit what it may do (read: GET; upload: POST a batch). An upload carrying an
`Idempotency-Key` header is imported once: a retry with the same key and the same request,
within 24 hours, gets the first response again (the same batch); another request with that
key is refused (422), as is a retry while the first is still running (409)."""

from __future__ import annotations

import hashlib
import json
import re
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
from anonymizer.models import ApiToken, IdempotencyKey

View = Callable[..., HttpResponse]
IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,200}")


def token_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        scheme, _, key = header.partition(" ")
        token = services.api_token_authenticate(key.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            response = JsonResponse({"error": "A valid API token is required."}, status=401)
            response["WWW-Authenticate"] = "Bearer"
            return response
        request.user = token.user
        request.api_token = token  # type: ignore[attr-defined]
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return JsonResponse({"error": "Not found."}, status=404)
        except PermissionDenied as exc:
            return JsonResponse({"error": str(exc) or "Your role does not allow this."}, status=403)

    return wrapper


def require_scope(request: HttpRequest, scope: str) -> None:
    token: ApiToken = request.api_token  # type: ignore[attr-defined]
    if not token.allows(scope):
        raise PermissionDenied(f"This token does not have the '{scope}' scope.")


@csrf_exempt
@require_http_methods(["GET", "POST"])
@token_required
def api_batches(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        require_scope(request, ApiToken.Scope.READ)
        batches = permissions.batches_for_user(request.user).select_related("created_by")[:200]
        return JsonResponse({"batches": [selectors.batch_summary(b) for b in batches]})
    require_scope(request, ApiToken.Scope.UPLOAD)
    permissions.require_perm(request.user, permissions.ADD)
    form = BatchUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        errors = {k: [str(m) for m in v] for k, v in form.errors.items()}
        return JsonResponse({"error": "Invalid request.", "fields": errors}, status=400)
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return _import(request, form, None)
    if not IDEMPOTENCY_KEY.fullmatch(key):
        message = "The Idempotency-Key header must be 1 to 200 visible ASCII characters."
        return JsonResponse({"error": message}, status=400)
    return _import_once(request, form, key)


def _import_once(request: HttpRequest, form: BatchUploadForm, key: str) -> HttpResponse:
    try:
        claim = services.idempotency_claim(
            user=request.user, key=key, request_sha256=_request_sha256(request, form)
        )
    except services.IdempotencyRefused as exc:
        return JsonResponse({"error": str(exc)}, status=exc.status)
    if claim.response_status is not None or claim.batch_id is not None:
        return _replay(claim)
    try:
        response = _import(request, form, claim)
    except BaseException:
        services.idempotency_release(claim=claim)
        raise
    services.idempotency_finish(
        claim=claim, status=response.status_code, body=json.loads(response.content)
    )
    return response


def _replay(claim: IdempotencyKey) -> HttpResponse:
    """The first response again; if its request stored the batch but not its answer, the
    batch as it is now."""
    if claim.response_status is not None:
        response = JsonResponse(claim.response_body, status=claim.response_status)
    else:
        assert claim.batch is not None
        response = JsonResponse(selectors.batch_summary(claim.batch), status=201)
    response["Idempotent-Replayed"] = "true"
    return response


def _request_sha256(request: HttpRequest, form: BatchUploadForm) -> str:
    """The request as far as the import sees it: its fields, query and file."""
    digest = hashlib.sha256()
    fields = sorted((k, v) for k, v in request.POST.lists())
    digest.update(json.dumps([fields, sorted(request.GET.lists())]).encode())
    upload = form.cleaned_data["file"]
    digest.update((upload.name or "").encode() + b"\0")
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _import(
    request: HttpRequest, form: BatchUploadForm, claim: IdempotencyKey | None
) -> HttpResponse:
    try:
        imported = services.batch_import_and_detect(
            actor=request.user,
            data=form.cleaned_data["file"],
            detect=request.GET.get("detect", "1") != "0",
            idempotency=claim,
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
    require_scope(request, ApiToken.Scope.READ)
    batch = permissions.batch_for_user(request.user, public_id)
    return JsonResponse(selectors.batch_summary(batch))
