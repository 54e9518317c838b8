from __future__ import annotations

import json
from uuid import UUID

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from anonymizer import export as exports
from anonymizer import permissions, policies, roles, vault
from anonymizer.models import DataClass, ExportedDataset, Policy, Purpose

VIEW = "anonymizer.view_policy"
CHANGE = "anonymizer.change_policy"


class PolicyForm(forms.Form):
    name = forms.SlugField(max_length=80)
    data_class = forms.ChoiceField(choices=[("", "Any"), *DataClass.choices], required=False)
    purpose = forms.ChoiceField(choices=[("", "Any"), *Purpose.choices], required=False)
    linkage_domain = forms.SlugField(max_length=80, initial="default")
    rules = forms.CharField(widget=forms.Textarea(attrs={"rows": 18, "spellcheck": "false"}))
    column_rules = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        required=False,
        help_text='{"plan": "keep", "birth_year": {"operator": "generalize", "params": '
        '{"entity_type": "DATE_TIME"}}}. Columns not named are dropped.',
    )
    tabular = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        required=False,
        label="Structured-column targets",
        help_text='{"k": 5, "l": 2, "suppression": 0.05, "max_levels": {"postcode": 2}, '
        '"dp": {"epsilon": 1.0, "total": 3.0, "group_by": "plan", "value": "age", '
        '"bounds": [0, 120]}}. Empty: no target.',
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def clean_tabular(self) -> dict[str, object]:
        value = self._json("tabular")
        k = value.get("k")
        if k is not None and (not isinstance(k, int) or isinstance(k, bool) or k < 1):
            raise forms.ValidationError("k must be a whole number of at least 1.")
        budget = value.get("suppression", 0.05)
        if not isinstance(budget, int | float) or not 0 <= budget <= 1:
            raise forms.ValidationError("suppression is a share between 0 and 1.")
        dp = value.get("dp")
        if dp is not None and (
            not isinstance(dp, dict) or not {"epsilon", "total", "group_by"} <= set(dp)
        ):
            raise forms.ValidationError("dp needs epsilon, total and group_by.")
        return value

    def _json(self, field: str) -> dict[str, object]:
        raw = self.cleaned_data.get(field) or "{}"
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(f"Not valid JSON: {exc.msg} (line {exc.lineno}).") from None
        if not isinstance(value, dict):
            raise forms.ValidationError("Must be a JSON object.")
        return value

    def clean_rules(self) -> dict[str, object]:
        return self._json("rules")

    def clean_column_rules(self) -> dict[str, object]:
        return self._json("column_rules")


def _initial(policy: Policy) -> dict[str, object]:
    return {
        "name": policy.name,
        "data_class": policy.data_class,
        "purpose": policy.purpose,
        "linkage_domain": policy.linkage_domain,
        "notes": policy.notes,
        "rules": json.dumps(policy.rules, indent=2),
        "column_rules": json.dumps(policy.column_rules, indent=2),
    }


def _policy(request: HttpRequest, public_id: UUID) -> Policy:
    permissions.require_perm(request.user, VIEW)
    try:
        return Policy.objects.select_related("authored_by", "approved_by").get(public_id=public_id)
    except Policy.DoesNotExist:
        raise Http404("No such policy.") from None


@require_http_methods(["GET"])
def policy_list(request: HttpRequest) -> HttpResponse:
    permissions.require_perm(request.user, VIEW)
    policies.ensure_default_policy()
    items = Policy.objects.select_related("authored_by", "approved_by")
    return render(request, "anonymizer/policy_list.html", {"policies": items})


@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest) -> HttpResponse:
    permissions.require_perm(request.user, CHANGE)
    form = PolicyForm(
        request.POST or None,
        initial=_initial(Policy(name="", rules=policies.default_policy_rules(), column_rules={})),
    )
    if request.method == "POST" and form.is_valid():
        try:
            policy = policies.policy_create(actor=request.user, **form.cleaned_data)
        except policies.PolicyError as exc:
            form.add_error("rules", str(exc))
        else:
            messages.success(request, f"Draft {policy} created.")
            return redirect("policy_detail", public_id=policy.public_id)
    return render(
        request, "anonymizer/policy_form.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def policy_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    policy = _policy(request, public_id)
    form = PolicyForm(request.POST or None, initial=_initial(policy))
    if request.method == "POST":
        permissions.require_perm(request.user, CHANGE)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("name")
            try:
                policies.policy_update_draft(actor=request.user, policy=policy, **data)
            except policies.PolicyError as exc:
                form.add_error("rules", str(exc))
            else:
                messages.success(request, "Draft saved.")
                return redirect("policy_detail", public_id=policy.public_id)
    can_edit = policy.is_editable and request.user.has_perm(CHANGE)
    context = {
        "policy": policy,
        "form": form,
        "can_edit": can_edit,
        "can_change": request.user.has_perm(CHANGE),
        "can_approve": request.user.has_perm("anonymizer.approve_policy")
        and policy.status == Policy.Status.PENDING
        and policy.authored_by_id != request.user.pk,
    }
    return render(
        request, "anonymizer/policy_detail.html", context, status=400 if form.errors else 200
    )


@require_POST
def policy_action(request: HttpRequest, public_id: UUID, action: str) -> HttpResponse:
    policy = _policy(request, public_id)
    permissions.require_perm(request.user, CHANGE)
    services = {
        "submit": policies.policy_submit,
        "approve": policies.policy_approve,
        "retire": policies.policy_retire,
        "new-version": policies.policy_new_version,
    }
    if action not in services:
        raise Http404("No such action.")
    try:
        result = services[action](actor=request.user, policy=policy)
    except policies.PolicyError as exc:
        messages.error(request, str(exc))
        return redirect("policy_detail", public_id=policy.public_id)
    messages.success(request, f"{result}: {result.get_status_display()}.")
    return redirect("policy_detail", public_id=result.public_id)


class VaultLookupForm(forms.Form):
    linkage_domain = forms.SlugField(max_length=80, initial="default")
    token = forms.CharField(max_length=120)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="Why you need the original. Recorded in the audit trail.",
    )


@require_http_methods(["GET", "POST"])
def vault_lookup(request: HttpRequest) -> HttpResponse:
    if not roles.has_role(request.user, roles.PRIVACY_OFFICER):
        raise PermissionDenied("Only privacy officers may look up pseudonyms.")
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
    batch = permissions.batch_for_user(request.user, public_id, "anonymizer.add_exporteddataset")
    try:
        policy = Policy.objects.get(public_id=request.POST.get("policy"))
        exports.export_start(actor=request.user, batch=batch, policy=policy)
    except (Policy.DoesNotExist, ValueError):
        messages.error(request, "Choose an approved policy.")
    except exports.ExportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Export queued.")
    return redirect("batch_detail", public_id=batch.public_id)


def _export(request: HttpRequest, public_id: UUID) -> ExportedDataset:
    try:
        export = ExportedDataset.objects.select_related("batch", "policy").get(public_id=public_id)
    except ExportedDataset.DoesNotExist:
        raise Http404("No such export.") from None
    permissions.batch_for_user(
        request.user, export.batch.public_id, "anonymizer.view_exporteddataset"
    )
    return export


@require_http_methods(["GET"])
def export_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    export = _export(request, public_id)
    manifest = json.dumps(export.manifest, indent=2) if export.manifest else ""
    return render(
        request, "anonymizer/export_detail.html", {"export": export, "manifest": manifest}
    )


@require_http_methods(["GET"])
def export_download(request: HttpRequest, public_id: UUID, name: str) -> HttpResponse:
    export = _export(request, public_id)
    try:
        path = exports.export_download_path(
            actor=request.user, export=export, name=name, ip_address=request.META.get("REMOTE_ADDR")
        )
    except exports.ExportError:
        raise Http404("No such file.") from None
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"{export.batch.name}-{export.public_id}-{name}",
    )
