"""The erasure page: an officer states the person's strings, sees what an erasure would touch
(counts), then confirms. A GET shows the empty form and writes nothing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from anonymizer import permissions
from anonymizer.erasure import services
from anonymizer.erasure.forms import ErasureForm


@require_http_methods(["GET", "POST"])
def subject_erasure(request: HttpRequest) -> HttpResponse:
    if not permissions.is_officer(request.user):
        raise PermissionDenied("Only privacy officers may erase a person's data.")
    form = ErasureForm(request.POST or None)
    report = None
    confirm = request.POST.get("confirm") == "1"
    if request.method == "POST" and form.is_valid():
        try:
            report = services.subject_erase(
                actor=request.user, values=form.value_list(),
                reason=form.cleaned_data["reason"], dry_run=not confirm,
            )
        except services.ErasureError as exc:
            form.add_error(None, str(exc))
    response = render(request, "anonymizer/erasure.html", {"form": form, "report": report})
    response["Cache-Control"] = "no-store"
    return response
