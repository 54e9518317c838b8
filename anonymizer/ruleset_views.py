from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from anonymizer import detection, permissions, rulesets
from anonymizer.models import RuleSet

VIEW = "anonymizer.view_ruleset"
CHANGE = "anonymizer.change_ruleset"
ACTIVATE = "anonymizer.activate_ruleset"


class RuleSetForm(forms.Form):
    config = forms.CharField(widget=forms.Textarea(attrs={"rows": 28, "spellcheck": "false"}))
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    validation_sample_rate = forms.FloatField(min_value=0, max_value=1)

    def clean_config(self) -> dict[str, object]:
        try:
            value = json.loads(self.cleaned_data["config"])
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("The configuration must be a JSON object.")
        return value


def _ruleset(request: HttpRequest, version: int, perm: str = VIEW) -> RuleSet:
    permissions.require_perm(request.user, VIEW)
    try:
        ruleset = RuleSet.objects.get(version=version)
    except RuleSet.DoesNotExist:
        raise Http404("No such rule set.") from None
    if perm != VIEW and not request.user.has_perm(perm):
        raise PermissionDenied("Your role does not allow this.")
    return ruleset


@require_http_methods(["GET"])
def ruleset_list(request: HttpRequest) -> HttpResponse:
    permissions.require_perm(request.user, VIEW)
    detection.ruleset_active()  # makes version 1 on a new install
    return render(request, "anonymizer/ruleset_list.html", {"rulesets": RuleSet.objects.all()})


@require_http_methods(["GET", "POST"])
def ruleset_detail(request: HttpRequest, version: int) -> HttpResponse:
    ruleset = _ruleset(request, version, CHANGE if request.method == "POST" else VIEW)
    initial = {
        "config": json.dumps(ruleset.config, indent=2, ensure_ascii=False),
        "notes": ruleset.notes,
        "validation_sample_rate": ruleset.validation_sample_rate,
    }
    form = RuleSetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rulesets.ruleset_update_draft(actor=request.user, ruleset=ruleset, **form.cleaned_data)
        except rulesets.RuleSetError as exc:
            form.add_error("config", str(exc))
        else:
            messages.success(request, f"Draft v{ruleset.version} saved.")
            return redirect("ruleset_detail", version=ruleset.version)
    can_edit = ruleset.is_editable and request.user.has_perm(CHANGE)
    evaluation = ruleset.evaluations.select_related("baseline").first()
    context = {
        "ruleset": ruleset,
        "form": form,
        "can_edit": can_edit,
        "can_activate": can_edit and request.user.has_perm(ACTIVATE),
        "evaluation": evaluation,
        "comparison": _comparison(evaluation),
    }
    return render(
        request, "anonymizer/ruleset_detail.html", context, status=400 if form.errors else 200
    )


def _comparison(evaluation: object) -> list[dict[str, object]]:
    if evaluation is None:
        return []
    report = evaluation.report  # type: ignore[attr-defined]
    cand, base = report["candidate"]["per_entity"], report["baseline"]["per_entity"]
    rows = [{"label": "ALL", "c": report["candidate"], "b": report["baseline"]}]
    rows += [
        {"label": k, "c": cand.get(k, {}), "b": base.get(k, {})}
        for k in sorted(set(cand) | set(base))
    ]
    return rows


@require_POST
def ruleset_new_draft(request: HttpRequest, version: int) -> HttpResponse:
    base = _ruleset(request, version, CHANGE)
    draft = rulesets.ruleset_create_draft(actor=request.user, based_on=base)
    messages.success(request, f"Draft v{draft.version} made from v{base.version}.")
    return redirect("ruleset_detail", version=draft.version)


@require_POST
def ruleset_activate(request: HttpRequest, version: int) -> HttpResponse:
    ruleset = _ruleset(request, version, ACTIVATE)
    try:
        rulesets.ruleset_activate(
            actor=request.user,
            ruleset=ruleset,
            override_reason=request.POST.get("override_reason", ""),
        )
    except rulesets.RuleSetError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Rule set v{ruleset.version} is now active for new detection runs."
        )
    return redirect("ruleset_detail", version=ruleset.version)


@require_POST
def ruleset_retrain(request: HttpRequest) -> HttpResponse:
    """Queue a retraining round: corrections -> candidate -> evaluation on held-out records."""
    permissions.require_perm(request.user, CHANGE)
    import django_rq

    from audit import jobs

    django_rq.get_queue("default").enqueue(jobs.retrain_round, request.user.pk, job_timeout=3600)
    messages.success(
        request,
        "Retraining queued: the evaluated candidate appears here as a new draft when it is ready.",
    )
    return redirect("ruleset_list")


@require_POST
def ruleset_confirm_proposal(request: HttpRequest, version: int, index: int) -> HttpResponse:
    from audit.learning import proposal_confirm

    ruleset = _ruleset(request, version, CHANGE)
    try:
        proposal_confirm(actor=request.user, ruleset=ruleset, index=index)
    except rulesets.RuleSetError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Pattern added to the draft.")
    return redirect("ruleset_detail", version=ruleset.version)
