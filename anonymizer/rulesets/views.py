"""Rule-set pages. Officers edit drafts, activate them and queue retraining rounds; admins
may look. Every view states its permission through anonymizer.permissions."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from anonymizer import ascode, permissions
from anonymizer.models import RuleSet
from anonymizer.queues import enqueue
from anonymizer.rulesets import selectors, services
from anonymizer.rulesets.forms import RuleSetForm
from anonymizer.rulesets.selectors import RuleSetError

RETRAIN_JOB = "anonymizer.rulesets.jobs.retrain_round"
TRAIN_MODEL_JOB = "anonymizer.rulesets.jobs.train_model"
EVALUATE_JOB = "anonymizer.rulesets.jobs.evaluate_ruleset"


@require_http_methods(["GET"])
def ruleset_list(request: HttpRequest) -> HttpResponse:
    permissions.require_perm(request.user, permissions.VIEW_RULESET)
    return render(request, "anonymizer/ruleset_list.html", {"rulesets": RuleSet.objects.all()})


@require_http_methods(["GET", "POST"])
def ruleset_detail(request: HttpRequest, version: int) -> HttpResponse:
    perm = permissions.CHANGE_RULESET if request.method == "POST" else permissions.VIEW_RULESET
    ruleset = permissions.ruleset_for_user(request.user, version, perm)
    initial = {
        "config": json.dumps(ruleset.config, indent=2, ensure_ascii=False),
        "notes": ruleset.notes,
        "validation_sample_rate": ruleset.validation_sample_rate,
    }
    form = RuleSetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.ruleset_update_draft(actor=request.user, ruleset=ruleset, **form.cleaned_data)
        except RuleSetError as exc:
            form.add_error("config", str(exc))
        else:
            messages.success(request, f"Draft v{ruleset.version} saved.")
            return redirect("ruleset_detail", version=ruleset.version)
    can_edit = ruleset.is_editable and permissions.may(request.user, permissions.CHANGE_RULESET)
    gate = selectors.activation_gate(ruleset) if ruleset.is_editable else None
    evaluation = selectors.latest_evaluation(ruleset)
    context = {
        "ruleset": ruleset,
        "form": form,
        "can_edit": can_edit,
        "can_activate": permissions.may_activate_ruleset(request.user, ruleset),
        "evaluation": evaluation,
        "gate": gate,
        "editors": selectors.ruleset_editor_names(ruleset),
        "comparison": selectors.evaluation_rows(evaluation),
        "learned": selectors.learned_summary(ruleset),
    }
    return render(
        request, "anonymizer/ruleset_detail.html", context, status=400 if form.errors else 200
    )


@require_POST
def ruleset_new_draft(request: HttpRequest, version: int) -> HttpResponse:
    base = permissions.ruleset_for_user(request.user, version, permissions.CHANGE_RULESET)
    draft = services.ruleset_create_draft(actor=request.user, based_on=base)
    messages.success(request, f"Draft v{draft.version} made from v{base.version}.")
    return redirect("ruleset_detail", version=draft.version)


@require_POST
def ruleset_activate(request: HttpRequest, version: int) -> HttpResponse:
    ruleset = permissions.ruleset_for_user(request.user, version, permissions.ACTIVATE_RULESET)
    try:
        services.ruleset_activate(
            actor=request.user,
            ruleset=ruleset,
            override_reason=request.POST.get("override_reason", ""),
        )
    except RuleSetError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, f"Rule set v{ruleset.version} is now active for new detection runs."
        )
    return redirect("ruleset_detail", version=ruleset.version)


@require_POST
def ruleset_retrain(request: HttpRequest) -> HttpResponse:
    """Queue a retraining round: corrections -> candidate -> evaluation on held-out records."""
    permissions.require_perm(request.user, permissions.CHANGE_RULESET)
    enqueue("default", RETRAIN_JOB, request.user.pk, job_timeout=3600)
    messages.success(
        request,
        "Retraining queued: the evaluated candidate appears here as a new draft when it is ready.",
    )
    return redirect("ruleset_list")


@require_POST
def ruleset_train_model(request: HttpRequest) -> HttpResponse:
    """Queue fine-tuning of the NER model: a candidate rule set naming it, evaluated."""
    permissions.require_perm(request.user, permissions.CHANGE_RULESET)
    enqueue("default", TRAIN_MODEL_JOB, request.user.pk, job_timeout=3 * 3600)
    messages.success(
        request,
        "Model training queued: the evaluated candidate naming the new model appears here as a "
        "draft when it is ready.",
    )
    return redirect("ruleset_list")


@require_POST
def ruleset_evaluate(request: HttpRequest, version: int) -> HttpResponse:
    """Queue a fresh evaluation of a draft as it is now (the regression gate's input)."""
    ruleset = permissions.ruleset_for_user(request.user, version, permissions.CHANGE_RULESET)
    if not ruleset.is_editable:
        messages.error(request, "Only a draft is evaluated for activation.")
    else:
        enqueue("default", EVALUATE_JOB, request.user.pk, ruleset.pk, job_timeout=3600)
        messages.success(request, "Evaluation queued: its figures appear here when it is ready.")
    return redirect("ruleset_detail", version=ruleset.version)


@require_POST
def ruleset_confirm_proposal(request: HttpRequest, version: int, index: int) -> HttpResponse:
    ruleset = permissions.ruleset_for_user(request.user, version, permissions.CHANGE_RULESET)
    try:
        services.proposal_confirm(actor=request.user, ruleset=ruleset, index=index)
    except RuleSetError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Pattern added to the draft.")
    return redirect("ruleset_detail", version=ruleset.version)


@require_http_methods(["GET"])
def ruleset_download(request: HttpRequest, version: int) -> HttpResponse:
    """The version as a JSON or YAML file (?format=yaml), for version control. Reading it
    needs what reading the rule-set page needs; it writes nothing."""
    ruleset = permissions.ruleset_for_user(request.user, version)
    return ascode.file_response(
        request, lambda fmt: services.ruleset_file(ruleset, fmt), f"veil-ruleset-v{version}"
    )


@require_POST
def ruleset_import(request: HttpRequest) -> HttpResponse:
    """A rule-set file becomes a new draft (officers); activating it needs another officer."""
    permissions.require_perm(request.user, permissions.CHANGE_RULESET)
    data = ascode.uploaded(request)
    if data is None:
        messages.error(request, "Choose a rule-set file (JSON or YAML).")
        return redirect("ruleset_list")
    try:
        draft = services.ruleset_import(actor=request.user, data=data)
    except (ascode.FileError, RuleSetError) as exc:
        messages.error(request, str(exc))
        return redirect("ruleset_list")
    messages.success(request, f"Imported as draft v{draft.version}; another officer activates it.")
    return redirect("ruleset_detail", version=draft.version)
