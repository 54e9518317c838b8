from __future__ import annotations

import csv
import json
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from audit.cells import neutralise_cell
from audit.models import AuditEvent
from audit.selectors import (
    AUDIT_SORTS,
    VIEW_AUDIT,
    event_row,
    events_filtered,
    events_page,
    known_actions,
)


class AuditFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=150, label="Search")
    username = forms.CharField(required=False, max_length=150, label="Actor")
    batch = forms.UUIDField(required=False)
    action = forms.CharField(required=False, max_length=60, label="Kind")
    target = forms.CharField(required=False, max_length=125, label="Object id")
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(required=False, choices=[(s, s.capitalize()) for s in AUDIT_SORTS])


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, QuerySet[AuditEvent], bool]:
    """The form, the events it selects and whether any filter narrows them (invalid values
    are dropped, never an error)."""
    if not request.user.has_perm(VIEW_AUDIT):
        raise PermissionDenied("The audit trail is for privacy officers.")
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()
        filters = {k: v for k, v in form.cleaned_data.items() if v}
        if "batch" in filters:
            filters["batch"] = str(filters["batch"])
        for name in ("q", "username", "target"):
            if name in filters:
                filters[name] = filters[name].strip()
    narrowing = bool(set(filters) - {"sort"})
    return form, events_filtered(**filters), narrowing


@require_http_methods(["GET"])
def audit_list(request: HttpRequest) -> HttpResponse:
    form, events, narrowing = _filtered(request)
    page = events_page(events, request.GET.get("page"), filtered=narrowing)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "actions": known_actions(),
        "query": query.urlencode(),
        "more": getattr(page.paginator, "more", False),
        "counted": getattr(page.paginator, "cap", None),
    }
    return render(request, "audit/audit_list.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_http_methods(["GET"])
def audit_csv(request: HttpRequest) -> HttpResponse:
    _, events, _ = _filtered(request)
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
