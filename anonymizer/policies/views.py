"""Policy pages: officers write drafts in the editor (a row per entity type and column, each
checked live), preview records under a version, see the risk its column settings reach,
submit it, and approve other officers' versions; admins may look. Permissions come from
anonymizer.permissions."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anonymizer import ascode, permissions
from anonymizer.defaults import default_id_rule, default_policy_rules
from anonymizer.models import Policy, SourceBatch
from anonymizer.policies import files as policy_files
from anonymizer.policies import preview, risk, selectors, services
from anonymizer.policies.editor import Editor, build_editor
from anonymizer.policies.forms import SendBackForm, TabularForm

ACTIONS = {
    "submit": services.policy_submit,
    "approve": services.policy_approve,
    "retire": services.policy_retire,
    "new-version": services.policy_new_version,
}


def _blank() -> Policy:
    return Policy(name="", rules=default_policy_rules(), column_rules={}, id_rule=default_id_rule())


@require_http_methods(["GET"])
def policy_list(request: HttpRequest) -> HttpResponse:
    permissions.require_perm(request.user, permissions.VIEW_POLICY)
    items = Policy.objects.select_related("authored_by", "approved_by").prefetch_related("editors")
    return render(request, "anonymizer/policy_list.html", {"policies": items})


def _saved(editor: Editor, save: Any) -> Policy | None:
    """Run `save(fields)` when the editor is valid; a refusal shows beside its row."""
    if not editor.is_valid():
        return None
    try:
        return save(editor.fields())  # type: ignore[no-any-return]
    except services.PolicyError as exc:
        editor.add_policy_error(exc)
        return None


@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest) -> HttpResponse:
    permissions.require_perm(request.user, permissions.CHANGE_POLICY)
    editor = build_editor(_blank(), request.POST or None, new=True)
    if request.method == "POST":
        policy = _saved(editor, lambda f: services.policy_create(actor=request.user, **f))
        if policy is not None:
            messages.success(request, f"Draft {policy} created.")
            return redirect("policy_detail", public_id=policy.public_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "anonymizer/policy_form.html", {"editor": editor}, status=status)


@require_http_methods(["GET", "POST"])
def policy_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    perm = permissions.CHANGE_POLICY if request.method == "POST" else permissions.VIEW_POLICY
    policy = permissions.policy_for_user(request.user, public_id, perm)
    editor = build_editor(policy, request.POST or None)
    if request.method == "POST":
        saved = _saved(editor, lambda f: services.policy_update_draft(
            actor=request.user, policy=policy, **{k: v for k, v in f.items() if k != "name"}))
        if saved is not None:
            messages.success(request, "Draft saved.")
            return redirect("policy_detail", public_id=policy.public_id)
    status = 400 if request.method == "POST" else 200
    return _detail(request, policy, editor, status=status)


def _detail(
    request: HttpRequest, policy: Policy, editor: Editor | None = None, status: int = 200,
    **extra: Any,
) -> HttpResponse:
    can_change = permissions.may(request.user, permissions.CHANGE_POLICY)
    context = {
        "policy": policy,
        "editor": editor or build_editor(policy),
        "can_edit": policy.is_editable and can_change,
        "can_change": can_change,
        "can_approve": permissions.may_approve_policy(request.user, policy),
        "can_preview": preview.may_preview(request.user),
        "editors": selectors.policy_editor_names(policy),
        "rule_rows": selectors.policy_rule_rows(policy),
        "policy_json": _as_json(policy),
        "batches": preview.fitting_batches(request.user, policy),
        "preview_records": preview.PREVIEW_RECORDS,
        **_review_context(policy),
        **extra,
    }
    return render(request, "anonymizer/policy_detail.html", context, status=status)


def _as_json(policy: Policy) -> str:
    fields = ("rules", "column_rules", "id_rule", "linkage_domain", "tabular")
    return json.dumps({f: getattr(policy, f) for f in fields}, indent=2, sort_keys=True)


@require_POST
def policy_validate_row(request: HttpRequest) -> HttpResponse:
    """Live validation: one editor row re-rendered with its errors, from the whole form."""
    permissions.require_perm(request.user, permissions.CHANGE_POLICY)
    editor = build_editor(_blank(), request.POST, new=True)
    prefix = request.POST.get("row", "")
    form = editor.row(prefix)
    if form is None:
        return HttpResponse("Name the row to check.", status=400, content_type="text/plain")
    form.is_valid()
    if isinstance(form, TabularForm):
        return render(request, "anonymizer/_policy_tabular.html", {"form": form})
    kind = prefix.split("-", 1)[0]
    return render(request, "anonymizer/_policy_row.html", {"form": form, "kind": kind})


def _batch_from(request: HttpRequest, value: str | None) -> SourceBatch:
    if not value:
        raise ValidationError("Choose a batch.")
    return permissions.batch_for_user(request.user, value)


@require_POST
def policy_preview(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Sample records original beside transformed: privacy officers only, audited."""
    policy = permissions.policy_for_user(request.user, public_id)
    if not preview.may_preview(request.user):
        raise PermissionDenied("Only a privacy officer previews records under a policy.")
    try:
        batch = _batch_from(request, request.POST.get("batch"))
        count = int(request.POST.get("records") or preview.PREVIEW_RECORDS)
    except (ValidationError, ValueError):
        return _preview_answer(request, policy, {"preview_error": "Choose a batch."}, 400)
    preview.require_preview(request.user, batch)
    if not policy.fits(batch):
        error = {"preview_error": "This policy does not apply to that batch's data class "
                                  "and purpose."}
        return _preview_answer(request, policy, error, 400)
    records = preview.preview_records(policy, batch, count)
    services.policy_previewed(
        actor=request.user, policy=policy, batch=batch, record_ids=[r.record_id for r in records]
    )
    return _preview_answer(request, policy, {"preview": records, "preview_batch": batch})


def _preview_answer(
    request: HttpRequest, policy: Policy, extra: dict[str, Any], status: int = 200
) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        # htmx swaps 200 answers only: the error shows in the panel all the same.
        return render(request, "anonymizer/_policy_preview.html", extra)
    return _detail(request, policy, status=status, **extra)


@require_GET
def policy_risk(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The k, l, t and prosecutor risk a batch would reach under this version's settings."""
    policy = permissions.policy_for_user(request.user, public_id)
    extra: dict[str, Any] = {}
    if request.GET.get("batch"):
        batch = permissions.batch_for_user(request.user, request.GET["batch"])
        extra = {"risk": risk.policy_risk(policy, batch), "risk_batch": batch}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "anonymizer/_policy_risk.html", extra)
    return _detail(request, policy, **extra)


@require_POST
def policy_action(request: HttpRequest, public_id: UUID, action: str) -> HttpResponse:
    policy = permissions.policy_for_user(request.user, public_id, permissions.CHANGE_POLICY)
    if action not in ACTIONS:
        raise Http404("No such action.")
    try:
        result = ACTIONS[action](actor=request.user, policy=policy)
    except services.PolicyError as exc:
        messages.error(request, str(exc))
        return redirect("policy_detail", public_id=policy.public_id)
    messages.success(request, f"{result}: {result.get_status_display()}.")
    return redirect("policy_detail", public_id=result.public_id)


def _review_context(policy: Policy) -> dict[str, object]:
    """For a pending version: what changed since the previous approved one; for any version:
    the latest send-back, and a blank send-back form."""
    pending = policy.status == Policy.Status.PENDING
    return {
        "previous": selectors.policy_previous_approved(policy) if pending else None,
        "changes": selectors.policy_changes(policy) if pending else [],
        "sent_back": selectors.policy_last_send_back(policy),
        "send_back_form": SendBackForm(),
    }


@require_POST
def policy_send_back(request: HttpRequest, public_id: UUID) -> HttpResponse:
    policy = permissions.policy_for_user(request.user, public_id, permissions.APPROVE_POLICY)
    form = SendBackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why it goes back, in at least 10 characters.")
        return redirect("policy_detail", public_id=policy.public_id)
    try:
        result = services.policy_send_back(
            actor=request.user, policy=policy, reason=form.cleaned_data["reason"]
        )
    except services.PolicyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{result} sent back to draft.")
    return redirect("policy_detail", public_id=policy.public_id)


@require_http_methods(["GET"])
def policy_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """The version as a JSON or YAML file (?format=yaml) for version control; reads only."""
    permissions.require_perm(request.user, permissions.VIEW_POLICY)
    policy = get_object_or_404(Policy, public_id=public_id)
    return ascode.file_response(
        request, lambda fmt: policy_files.policy_file(policy, fmt),
        f"veil-policy-{policy.name}-v{policy.version}",
    )


@require_POST
def policy_import(request: HttpRequest) -> HttpResponse:
    """A policy file becomes a new draft (officers); another officer approves it."""
    permissions.require_perm(request.user, permissions.CHANGE_POLICY)
    data = ascode.uploaded(request)
    if data is None:
        messages.error(request, "Choose a policy file (JSON or YAML).")
        return redirect("policy_list")
    try:
        draft = policy_files.policy_import(actor=request.user, data=data)
    except (ascode.FileError, services.PolicyError) as exc:
        messages.error(request, str(exc))
        return redirect("policy_list")
    messages.success(request, f"Imported as {draft.name} v{draft.version}, a draft: another "
                              "officer approves it.")
    return redirect("policy_detail", public_id=draft.public_id)
