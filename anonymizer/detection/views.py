"""Starting and retrying detection of a batch: admins (`change` on the batch)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from redis.exceptions import RedisError

from anonymizer import permissions
from anonymizer.detection import services


@require_POST
def batch_detect(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = permissions.batch_for_user(request.user, public_id, permissions.CHANGE)
    try:
        run = services.detection_start(actor=request.user, batch=batch)
    except services.DetectionError as exc:
        messages.error(request, str(exc))
    except RedisError as exc:  # the run is kept: "start again" or the sweep queues it later
        messages.error(request, f"The job queue is unreachable ({type(exc).__name__}); "
                       "start again once it is back.")
    else:
        messages.success(request, f"Detection running with rule set v{run.ruleset.version}.")
    return redirect("batch_detail", public_id=batch.public_id)


@require_POST
def batch_detect_retry(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = permissions.batch_for_user(request.user, public_id, permissions.CHANGE)
    if batch.current_run is not None:
        try:
            count = services.run_retry_failed(actor=request.user, run=batch.current_run)
        except RedisError as exc:  # the chunks are pending: "start again" or the sweep
            messages.error(request, f"The job queue is unreachable ({type(exc).__name__}).")
        else:
            messages.success(request, f"{count} failed chunk(s) sent back to the workers.")
    return redirect("batch_detail", public_id=batch.public_id)
