"""Pipeline pages: the list (with a form to create one, for admins), a pipeline's runs and
files, "Run now" and enable/disable (admins; POST only, audited)."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from anonymizer import permissions
from anonymizer.pipelines import selectors, services
from anonymizer.pipelines.forms import PipelineForm


@require_http_methods(["GET", "POST"])
def pipeline_list(request: HttpRequest) -> HttpResponse:
    if not permissions.may(request.user, permissions.VIEW_PIPELINE):
        raise PermissionDenied
    may_add = permissions.may(request.user, permissions.ADD_PIPELINE)
    form = PipelineForm(request.POST or None) if may_add else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                pipeline = services.pipeline_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"Pipeline {pipeline.name} created.")
                return redirect("pipeline_detail", public_id=pipeline.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "anonymizer/pipeline_list.html", {
        "pipelines": selectors.pipelines_listed(), "form": form,
        "roots": services.pipeline_roots(),
    }, status=status)


def pipeline_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    pipeline = selectors.pipeline_for_user(request.user, public_id)
    return render(request, "anonymizer/pipeline_detail.html", {
        "pipeline": pipeline,
        "runs": selectors.pipeline_runs(pipeline),
        "files": selectors.pipeline_files(pipeline),
        "policy": services.latest_approved(pipeline.policy_name),
        "may_run": permissions.may(request.user, permissions.RUN_PIPELINE),
        "may_change": permissions.may(request.user, permissions.CHANGE_PIPELINE),
    })


@require_POST
def pipeline_run_now(request: HttpRequest, public_id: UUID) -> HttpResponse:
    pipeline = selectors.pipeline_for_user(request.user, public_id)
    try:
        run = services.pipeline_run(pipeline=pipeline, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Run {run.get_status_display().lower()}: "
                                  f"{run.files_imported} imported, {run.files_known} already "
                                  f"known, {run.files_failed} failed.")
    return redirect("pipeline_detail", public_id=pipeline.public_id)


@require_POST
def pipeline_inbox(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A file into the pipeline's upload inbox, and with "run now" ticked, a run at once."""
    pipeline = selectors.pipeline_for_user(request.user, public_id)
    upload = request.FILES.get("file")
    if upload is None:
        if not permissions.may(request.user, permissions.RUN_PIPELINE):
            raise PermissionDenied
        messages.error(request, "Choose a file to put into the inbox.")
        return redirect("pipeline_detail", public_id=pipeline.public_id)
    try:
        sha = services.pipeline_inbox_put(actor=request.user, pipeline=pipeline, upload=upload)
    except (services.InboxError, ValidationError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("pipeline_detail", public_id=pipeline.public_id)
    messages.success(request, f"File {sha[:12]}… is in the inbox.")
    if request.POST.get("run_now") == "on":
        return pipeline_run_now(request, public_id)
    return redirect("pipeline_detail", public_id=pipeline.public_id)


@require_POST
def pipeline_enabled(request: HttpRequest, public_id: UUID) -> HttpResponse:
    pipeline = selectors.pipeline_for_user(request.user, public_id)
    enabled = request.POST.get("enabled") == "1"
    services.pipeline_set_enabled(actor=request.user, pipeline=pipeline, enabled=enabled)
    messages.success(request, f"Pipeline {'enabled' if enabled else 'paused'}.")
    return redirect("pipeline_detail", public_id=pipeline.public_id)
