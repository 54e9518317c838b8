"""Policy pages: officers write drafts, submit them, and approve other officers' versions;
admins may look. Permissions come from anonymizer.permissions."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from anonymizer import permissions
from anonymizer.defaults import default_id_rule, default_policy_rules
from anonymizer.models import Policy
from anonymizer.policies import selectors, services
from anonymizer.policies.forms import PolicyForm, SendBackForm, initial_for

ACTIONS = {
    "submit": services.policy_submit,
    "approve": services.policy_approve,
    "retire": services.policy_retire,
    "new-version": services.policy_new_version,
}


@require_http_methods(["GET"])
def policy_list(request: HttpRequest) -> HttpResponse:
    permissions.require_perm(request.user, permissions.VIEW_POLICY)
    items = Policy.objects.select_related("authored_by", "approved_by").prefetch_related("editors")
    return render(request, "anonymizer/policy_list.html", {"policies": items})


@require_http_methods(["GET", "POST"])
def policy_new(request: HttpRequest) -> HttpResponse:
    permissions.require_perm(request.user, permissions.CHANGE_POLICY)
    blank = Policy(
        name="", rules=default_policy_rules(), column_rules={}, id_rule=default_id_rule()
    )
    form = PolicyForm(request.POST or None, initial=initial_for(blank))
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, **form.cleaned_data)
        except services.PolicyError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, f"Draft {policy} created.")
            return redirect("policy_detail", public_id=policy.public_id)
    return render(
        request, "anonymizer/policy_form.html", {"form": form}, status=400 if form.errors else 200
    )


@require_http_methods(["GET", "POST"])
def policy_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    perm = permissions.CHANGE_POLICY if request.method == "POST" else permissions.VIEW_POLICY
    policy = permissions.policy_for_user(request.user, public_id, perm)
    form = PolicyForm(request.POST or None, initial=initial_for(policy))
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("name")
        try:
            services.policy_update_draft(actor=request.user, policy=policy, **data)
        except services.PolicyError as exc:
            form.add_error(exc.field, str(exc))
        else:
            messages.success(request, "Draft saved.")
            return redirect("policy_detail", public_id=policy.public_id)
    can_change = permissions.may(request.user, permissions.CHANGE_POLICY)
    context = {
        "policy": policy,
        "form": form,
        "can_edit": policy.is_editable and can_change,
        "can_change": can_change,
        "can_approve": permissions.may_approve_policy(request.user, policy),
        "editors": selectors.policy_editor_names(policy),
        **_review_context(policy),
    }
    return render(
        request, "anonymizer/policy_detail.html", context, status=400 if form.errors else 200
    )


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
