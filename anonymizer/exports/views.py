"""Export pages and the vault. Admins export and download (`add` / `download` on exports);
officers and admins see exports of the batches they see; only officers look up pseudonyms."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

from django.contrib import messages
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.views.decorators.http import require_http_methods, require_POST

from anonymizer import permissions
from anonymizer.exports import linkage, report, selectors, services, vault
from anonymizer.exports.forms import LinkageTestForm, VaultLookupForm
from anonymizer.exports.selectors import ExportError
from anonymizer.models import ExportedDataset, Policy
from audit.services import client_ip


@require_http_methods(["GET", "POST"])
def vault_lookup(request: HttpRequest) -> HttpResponse:
    permissions.require_perm(request.user, permissions.LOOKUP_VAULT)
    form = VaultLookupForm(request.POST or None)
    original = None
    if request.method == "POST" and form.is_valid():
        try:
            original = vault.vault_lookup(
                actor=request.user,
                domain=form.cleaned_data["linkage_domain"],
                token=form.cleaned_data["token"],
                reason=form.cleaned_data["reason"],
            )
        except vault.VaultError as exc:
            form.add_error(None, str(exc))
    response = render(request, "anonymizer/vault_lookup.html", {"form": form, "original": original})
    response["Cache-Control"] = "no-store"
    return response


@require_POST
def export_create(request: HttpRequest, public_id: UUID) -> HttpResponse:
    batch = permissions.batch_for_user(request.user, public_id, permissions.ADD_EXPORT)
    try:
        policy = Policy.objects.get(public_id=request.POST.get("policy"))
        services.export_start(actor=request.user, batch=batch, policy=policy,
                              utility_label=request.POST.get("utility_label", "").strip())
    except (Policy.DoesNotExist, ValueError, ValidationError):
        messages.error(request, "Choose an approved policy.")
    except ExportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Export queued.")
    return redirect("batch_detail", public_id=batch.public_id)


@require_http_methods(["GET"])
def export_list(request: HttpRequest) -> HttpResponse:
    """Exports of the batches the user sees, for those whose role sees exports (as on the
    export page: 403 without it)."""
    permissions.require_perm(request.user, permissions.VIEW_EXPORT)
    filters = selectors.export_list_filters(request.GET)
    exports = selectors.exports_listed(permissions.batches_for_user(request.user), filters)
    page = Paginator(exports, selectors.EXPORTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "filters": filters,
        "query": query.urlencode(),
        "statuses": ExportedDataset.Status.choices,
        "sorts": selectors.EXPORT_SORTS,
        **selectors.export_list_choices(),
    }
    return render(request, "anonymizer/export_list.html", context)


@require_http_methods(["GET"])
def export_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    export = permissions.export_for_user(request.user, public_id)
    return _detail(request, export, LinkageTestForm() if permissions.is_officer(request.user)
                   else None)


def _detail(request: HttpRequest, export: ExportedDataset, form: LinkageTestForm | None,
            status: int = 200) -> HttpResponse:
    context = {
        "export": export,
        "manifest": json.dumps(export.manifest, indent=2) if export.manifest else "",
        "linkage_tests": list(export.linkage_tests.select_related("created_by")[:20]),
        "linkage_form": form,
        "release_blocked": linkage.release_blocked(export),
        "utility": (export.manifest or {}).get("utility"),
        "utility_chart": report.utility_chart((export.manifest or {}).get("utility")),
    }
    return render(request, "anonymizer/export_detail.html", context, status=status)


@require_http_methods(["GET"])
def export_report(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The export's report for the officer's file (exports.report): a page, or with
    ?download=1 one self-contained HTML file to keep or print. It reads only; it writes
    nothing."""
    export = permissions.export_for_user(request.user, public_id)
    context = report.export_report(export)
    if request.GET.get("download") != "1":
        return render(request, "anonymizer/export_report.html", context)
    css_path = finders.find("veil/report.css")
    css = Path(str(css_path)).read_text(encoding="utf-8") if css_path else ""
    html = render_to_string("anonymizer/export_report_file.html", {**context, "css": css})
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="veil-export-{export.public_id}-report.html"'
    )
    return response


@require_POST
def export_linkage(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """An officer's linkage test of the export against an uploaded table (exports.linkage)."""
    export = permissions.export_for_user(request.user, public_id)
    if not permissions.is_officer(request.user):
        raise PermissionDenied
    form = LinkageTestForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            test = linkage.linkage_run(
                actor=request.user, export=export, data=form.cleaned_data["table"].read(),
                shared=form.cleaned_data["shared"], identifiers=form.cleaned_data["identifiers"],
            )
        except (linkage.LinkageError, ExportError) as exc:
            form.add_error(None, str(exc))
        else:
            outcome = "passed" if test.passed else "found links"
            messages.success(request, f"Linkage test {outcome}.")
            return redirect("export_detail", public_id=export.public_id)
    return _detail(request, export, form, status=400)


@require_POST  # audited: a download writes an event, and a GET writes nothing
def export_download(request: HttpRequest, public_id: UUID, name: str) -> HttpResponse:
    export = permissions.export_for_user(request.user, public_id)
    try:
        path = services.export_download_path(
            actor=request.user, export=export, name=name, ip_address=client_ip(request)
        )
    except ExportError:
        raise Http404("No such file.") from None
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{export.batch.name}-{export.public_id}-{name}",
    )
