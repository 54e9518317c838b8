"""Batch pages: the list, upload, the batch page with its live panel (detection progress,
exports, structured columns), reviewer assignment and column roles. Permissions come from
anonymizer.permissions: view to see a batch, change to assign or detect, add to upload."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from anonymizer import permissions, words
from anonymizer.batches import columns, recordlist, selectors, services
from anonymizer.batches.forms import AssignReviewersForm, BatchUploadForm
from anonymizer.batches.ingest import IngestError
from anonymizer.detection.selectors import RunProgress, run_progress
from anonymizer.exports.selectors import batch_exports
from anonymizer.models import ColumnRole, DataClass, Purpose, RiskAssessment, SourceBatch
from anonymizer.policies.selectors import policies_for_batch
from audit.selectors import keyset_page
from review.selectors import reviewers_all

RECORDS_PER_PAGE = 50
BATCHES_PER_PAGE = 25


@require_http_methods(["GET"])
def batch_list(request: HttpRequest) -> HttpResponse:
    filters = selectors.batch_list_filters(request.GET)
    batches = selectors.batches_filtered(permissions.batches_for_user(request.user), filters)
    pks = batches.values_list("pk", flat=True)  # paged and counted on ids, annotated after
    page = Paginator(pks, BATCHES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.batches_shown(list(page.object_list))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "stages": selectors.Stage.choices,
        "data_classes": DataClass.choices,
        "purposes": Purpose.choices,
        "sorts": selectors.BATCH_SORTS,
        "reviewers": _reviewer_choices(request),
    }
    return render(request, "anonymizer/batch_list.html", context)


def _reviewer_choices(request: HttpRequest) -> Any:
    """Everyone in the reviewer group for those who see every batch; a reviewer, themselves."""
    if permissions.may(request.user, permissions.VIEW):
        return reviewers_all()
    return [request.user]


@require_http_methods(["GET"])
def record_list(request: HttpRequest) -> HttpResponse:
    """Records of every batch the user may see, with tier, triggers and span counts: never
    their text (that stays on the review page, for those who may review the batch)."""
    user = request.user
    filters = recordlist.record_list_filters(request.GET)
    every = permissions.may(user, permissions.VIEW)
    records = recordlist.records_listed(
        permissions.batches_for_user(user), filters, every_batch=every
    )
    page = keyset_page(
        records, recordlist.RECORD_SORTS[filters.sort], recordlist.RECORD_CURSORS[filters.sort],
        after=request.GET.get("after", ""), before=request.GET.get("before", ""),
        size=recordlist.RECORDS_PER_PAGE,
    )  # fmt: skip
    reviewable = None
    if not permissions.is_officer(user):
        shown = {r.batch_id for r in page.rows}
        mine = permissions.batches_for_user(user, permissions.REVIEW).filter(pk__in=shown)
        reviewable = set(mine.values_list("pk", flat=True)) if shown else set()
    query = request.GET.copy()
    for cursor in ("after", "before"):
        query.pop(cursor, None)
    context = {
        "page": page,
        "rows": recordlist.record_rows(page.rows, reviewable),
        "filters": filters,
        "batch": _batch_named(user, filters.batch),
        "query": query.urlencode(),
        "tiers": RiskAssessment.Tier.choices,
        "states": recordlist.ReviewState.choices,
        "triggers": sorted(words.TRIGGERS.items(), key=lambda t: t[1]),
        "sorts": recordlist.RECORD_SORTS,
        "reviewers": _reviewer_choices(request),
    }
    return render(request, "anonymizer/record_list.html", context)


def _batch_named(user: Any, public_id: str) -> SourceBatch | None:
    """The batch the list is narrowed to, if the user may see it (for its name)."""
    if not public_id:
        return None
    return permissions.batches_for_user(user).filter(public_id=public_id).first()


@require_http_methods(["GET", "POST"])
def batch_upload(request: HttpRequest) -> HttpResponse:
    permissions.require_perm(request.user, permissions.ADD)
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:  # the form checked the size; the file is read as a stream, twice
            imported = services.batch_import_and_detect(
                actor=request.user, data=form.cleaned_data["file"], **form.import_kwargs()
            )
        except IngestError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, f"Imported {imported.batch.record_count:,} records.")
            if imported.detection_error:
                messages.error(
                    request,
                    f"Detection could not be queued ({imported.detection_error}); "
                    "start it again below.",
                )
            return redirect("batch_detail", public_id=imported.batch.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "anonymizer/batch_upload.html", {"form": form}, status=status)


@require_http_methods(["GET"])
def batch_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = permissions.batch_for_user(request.user, public_id)
    page = Paginator(selectors.batch_records(batch), RECORDS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    can_assign = permissions.may(request.user, permissions.CHANGE)
    selectors.attach_risk(page.object_list, batch)
    reviewers = selectors.batch_reviewers(batch)
    context = {
        **_live_panel(request, batch),
        "page": page,
        "counts": selectors.batch_status_counts(batch),
        "reviewers": reviewers,
        "assign_form": AssignReviewersForm(initial={"reviewers": reviewers})
        if can_assign
        else None,
    }
    return render(request, "anonymizer/batch_detail.html", context)


@require_http_methods(["GET"])
def batch_progress(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The batch page's live panel, polled while detection runs."""
    batch = permissions.batch_for_user(request.user, public_id)
    return render(request, "anonymizer/_progress.html", _live_panel(request, batch))


def _live_panel(request: HttpRequest, batch: SourceBatch) -> dict[str, Any]:
    return {
        "batch": batch,
        "progress": _progress(batch),
        "can_detect": permissions.may(request.user, permissions.CHANGE),
        **_export_context(request, batch),
        **_columns_context(request, batch),
    }


def _progress(batch: SourceBatch) -> RunProgress | None:
    """Reads only: lost work is recovered by the sweep (`manage.py sweep`), never in a GET."""
    run = batch.current_run
    return None if run is None else run_progress(run)


def _export_context(request: HttpRequest, batch: SourceBatch) -> dict[str, Any]:
    if not permissions.may(request.user, permissions.VIEW_EXPORT):
        return {"exports": None}
    can_export = permissions.may(request.user, permissions.ADD_EXPORT)
    return {
        "exports": batch_exports(batch),
        "export_policies": policies_for_batch(batch) if can_export else None,
    }


def _columns_context(request: HttpRequest, batch: SourceBatch) -> dict[str, Any]:
    if not batch.structured_columns:
        return {"column_roles": None}
    return {
        "column_roles": columns.column_roles_suggest(batch),
        "role_choices": ColumnRole.Role.choices,
        "hierarchy_choices": columns.HIERARCHIES,
        "can_confirm_roles": permissions.may(request.user, permissions.CONFIRM_COLUMNS),
        "column_risk": columns.batch_risk(batch),
    }


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


@require_POST
def batch_columns(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = permissions.batch_for_user(request.user, public_id, permissions.CONFIRM_COLUMNS)
    columns.column_roles_store_suggestions(batch)
    choices = {
        c: (request.POST.get(f"role-{c}", ""), request.POST.get(f"hierarchy-{c}", ""))
        for c in batch.structured_columns
        if request.POST.get(f"role-{c}")
    }
    try:
        columns.column_roles_confirm(actor=request.user, batch=batch, choices=choices)
    except ValueError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Roles confirmed for {len(choices)} column(s).")
    return redirect("batch_detail", public_id=batch.public_id)
