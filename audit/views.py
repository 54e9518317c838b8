from __future__ import annotations

import csv
import json

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from audit.cells import neutralise_cell
from audit.selectors import VIEW_AUDIT, event_row, events_filtered, known_actions


class AuditFilterForm(forms.Form):
    username = forms.CharField(required=False, max_length=150)
    batch = forms.UUIDField(required=False)
    action = forms.CharField(required=False, max_length=60)
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, object]:
    if not request.user.has_perm(VIEW_AUDIT):
        raise PermissionDenied("The audit trail is for privacy officers.")
    form = AuditFilterForm(request.GET or None)
    filters = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
        if "batch" in filters:
            filters["batch"] = str(filters["batch"])
    return form, events_filtered(**filters)


@require_http_methods(["GET"])
def audit_list(request: HttpRequest) -> HttpResponse:
    form, events = _filtered(request)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "actions": known_actions(), "query": query.urlencode()}
    return render(request, "audit/audit_list.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_http_methods(["GET"])
def audit_csv(request: HttpRequest) -> HttpResponse:
    _, events = _filtered(request)
    writer = csv.writer(_Echo())
    header = ["seq", "at", "actor", "action", "batch", "target", "payload", "ip", "hash"]

    def rows():  # type: ignore[no-untyped-def]
        yield writer.writerow(header)
        for event in events.iterator(2000):
            row = event_row(event)
            row["payload"] = json.dumps(row["payload"], sort_keys=True)
            yield writer.writerow([neutralise_cell(row[h]) for h in header])

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="veil-audit.csv"'
    return response
