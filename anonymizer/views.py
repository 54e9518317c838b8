from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from anonymizer import detection, permissions, selectors, services
from anonymizer.forms import AssignReviewersForm, BatchUploadForm
from anonymizer.ingest import IngestError
from anonymizer.models import DetectionRun

RECORDS_PER_PAGE = 50


@require_http_methods(["GET"])
def batch_list(request: HttpRequest) -> HttpResponse:
    batches = permissions.batches_for_user(request.user).select_related("created_by")
    return render(request, "anonymizer/batch_list.html", {"batches": batches})


@require_http_methods(["GET", "POST"])
def batch_upload(request: HttpRequest) -> HttpResponse:
    permissions.require_perm(request.user, permissions.ADD)
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            data = _read_upload(upload)
            batch = services.batch_import(actor=request.user, data=data, **form.import_kwargs())
        except IngestError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, f"Imported {batch.record_count:,} records.")
            _start_detection_after_import(request, batch)
            return redirect("batch_detail", public_id=batch.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "anonymizer/batch_upload.html", {"form": form}, status=status)


def _start_detection_after_import(request: HttpRequest, batch: object) -> None:
    from django.conf import settings

    if not settings.VEIL_DETECT_ON_IMPORT:
        return
    try:
        detection.detection_start(actor=request.user, batch=batch)  # type: ignore[arg-type]
    except Exception as exc:  # the queue is down: the batch is kept, detection can be started later
        messages.error(
            request, f"Detection could not be queued ({type(exc).__name__}); start it again below."
        )


def _read_upload(upload: object) -> bytes:
    from django.conf import settings

    size = getattr(upload, "size", 0) or 0
    limit = settings.VEIL_MAX_UPLOAD_BYTES
    if size > limit:
        raise IngestError(f"The file is {size:,} bytes; the limit is {limit:,} bytes.")
    return upload.read()  # type: ignore[attr-defined, no-any-return]


@require_http_methods(["GET"])
def batch_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = permissions.batch_for_user(request.user, public_id)
    page = Paginator(selectors.batch_records(batch), RECORDS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    can_assign = request.user.has_perm(permissions.CHANGE)
    selectors.attach_risk(page.object_list, batch)
    context = {
        "batch": batch,
        "page": page,
        "progress": _progress(batch),
        **_export_context(request, batch),
        **_columns_context(request, batch),
        "can_detect": can_assign,
        "counts": selectors.batch_status_counts(batch),
        "reviewers": services.batch_reviewers(batch),
        "assign_form": AssignReviewersForm(initial={"reviewers": services.batch_reviewers(batch)})
        if can_assign
        else None,
    }
    return render(request, "anonymizer/batch_detail.html", context)


@require_POST
def batch_assign(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = permissions.batch_for_user(request.user, public_id, permissions.CHANGE)
    form = AssignReviewersForm(request.POST)
    if form.is_valid():
        services.batch_assign_reviewers(
            actor=request.user, batch=batch, reviewers=form.cleaned_data["reviewers"]
        )
        messages.success(request, "Reviewers updated.")
    else:
        messages.error(request, "Choose reviewers from the list.")
    return redirect("batch_detail", public_id=batch.public_id)


def _progress(batch: object) -> detection.RunProgress | None:
    run = getattr(batch, "current_run", None)
    if run is None:
        return None
    if run.status == DetectionRun.Status.RUNNING:
        detection.run_recover_stale(run)
    return detection.run_progress(run)


@require_http_methods(["GET"])
def batch_progress(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = permissions.batch_for_user(request.user, public_id)
    context = {
        "batch": batch,
        "progress": _progress(batch),
        **_export_context(request, batch),
        **_columns_context(request, batch),
        "can_detect": request.user.has_perm(permissions.CHANGE),
    }
    return render(request, "anonymizer/_progress.html", context)


@require_POST
def batch_detect(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = permissions.batch_for_user(request.user, public_id, permissions.CHANGE)
    try:
        run = detection.detection_start(actor=request.user, batch=batch)
    except detection.DetectionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Detection started with rule set v{run.ruleset.version}.")
    return redirect("batch_detail", public_id=batch.public_id)


@require_POST
def batch_detect_retry(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = permissions.batch_for_user(request.user, public_id, permissions.CHANGE)
    if batch.current_run is not None:
        count = detection.run_retry_failed(actor=request.user, run=batch.current_run)
        messages.success(request, f"{count} failed chunk(s) sent back to the workers.")
    return redirect("batch_detail", public_id=batch.public_id)


def _export_context(request: HttpRequest, batch: object) -> dict[str, object]:
    from anonymizer import policies
    from anonymizer.models import ExportedDataset

    if not request.user.has_perm("anonymizer.view_exporteddataset"):
        return {"exports": None}
    can_export = request.user.has_perm("anonymizer.add_exporteddataset")
    return {
        "exports": ExportedDataset.objects.filter(batch=batch).select_related("policy")[:20],
        "export_policies": policies.policies_for_batch(batch) if can_export else None,
    }


def _columns_context(request: HttpRequest, batch: object) -> dict[str, object]:
    from anonymizer import roles, tabular
    from anonymizer.models import ColumnRole

    if not getattr(batch, "structured_columns", None):
        return {"column_roles": None}
    column_roles = tabular.column_roles_suggest(batch)  # type: ignore[arg-type]
    return {
        "column_roles": column_roles,
        "role_choices": ColumnRole.Role.choices,
        "hierarchy_choices": ["category", "date", "number", "postcode"],
        "can_confirm_roles": roles.has_role(request.user, roles.PRIVACY_OFFICER),
        "column_risk": tabular.batch_risk(batch),  # type: ignore[arg-type]
    }


@require_POST
def batch_columns(request: HttpRequest, public_id: UUID) -> HttpResponse:
    from django.core.exceptions import PermissionDenied

    from anonymizer import roles, tabular

    batch = permissions.batch_for_user(request.user, public_id)
    if not roles.has_role(request.user, roles.PRIVACY_OFFICER):
        raise PermissionDenied("A privacy officer confirms column roles.")
    tabular.column_roles_suggest(batch)
    choices = {
        c: (request.POST.get(f"role-{c}", ""), request.POST.get(f"hierarchy-{c}", ""))
        for c in batch.structured_columns
        if request.POST.get(f"role-{c}")
    }
    try:
        tabular.column_roles_confirm(actor=request.user, batch=batch, choices=choices)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Roles confirmed for {len(choices)} column(s).")
    return redirect("batch_detail", public_id=batch.public_id)
