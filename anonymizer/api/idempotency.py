"""Idempotency-Key on uploads: a retry with the same key and the same request, within 24
hours, gets the first answer again (the same batch), marked `Idempotent-Replayed: true`;
another request with that key is refused (422), as is a retry while the first still runs
(409). The claims live in anonymizer.batches.services (idempotency_*)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from typing import Any

from rest_framework.request import Request
from rest_framework.response import Response

from anonymizer.api.errors import error_body
from anonymizer.batches import services
from anonymizer.batches.forms import BatchUploadForm
from anonymizer.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY = re.compile(r"[\x21-\x7e]{1,200}")
REPLAYED = "Idempotent-Replayed"


def import_once(
    request: Request,
    form: BatchUploadForm,
    run: Callable[[IdempotencyKey | None], Response],
    current: Callable[[IdempotencyKey], dict[str, Any]],
) -> Response:
    """`run(claim)` once per key: without the header, every request runs."""
    key = request.headers.get(HEADER)
    if key is None:
        return run(None)
    if not KEY.fullmatch(key):
        message = "The Idempotency-Key header must be 1 to 200 visible ASCII characters."
        return Response(error_body(message), status=400)
    try:
        claim = services.idempotency_claim(
            user=request.user, key=key, request_sha256=request_sha256(request, form)
        )
    except services.IdempotencyRefused as exc:
        return Response(error_body(str(exc)), status=exc.status)
    if claim.response_status is not None or claim.batch_id is not None:
        return _replay(claim, current)
    try:
        response = run(claim)
    except BaseException:
        services.idempotency_release(claim=claim)
        raise
    body = json.loads(json.dumps(response.data, default=str))
    services.idempotency_finish(claim=claim, status=response.status_code, body=body)
    return response


def _replay(claim: IdempotencyKey, current: Callable[[IdempotencyKey], dict[str, Any]]) -> Response:
    """The first answer again; if its request stored the batch but not its answer, the
    batch as it is now."""
    if claim.response_status is not None:
        response = Response(claim.response_body, status=claim.response_status)
    else:
        response = Response(current(claim), status=201)
    response[REPLAYED] = "true"
    return response


def request_sha256(request: Request, form: BatchUploadForm) -> str:
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
