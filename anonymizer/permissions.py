"""The one place that answers "may this user do X to this object".

Every view, API endpoint, service check and template asks here. Objects that belong to a batch
(records, review items, exports) are seen exactly when their batch is: 404 when the user may not
see the object, 403 when they may see it but not do X. Roles (anonymizer.roles) only grant the
permissions named below; nothing else asks which role a user has.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from anonymizer.models import ApiToken, ExportedDataset, Policy, RuleSet, SourceBatch
from audit.selectors import VIEW_AUDIT as VIEW_AUDIT  # the audit trail names its own permission

# Batches (model-wide for admins and officers, per batch for assigned reviewers).
VIEW = "anonymizer.view_sourcebatch"
REVIEW = "anonymizer.review_sourcebatch"
CHANGE = "anonymizer.change_sourcebatch"
ADD = "anonymizer.add_sourcebatch"
CONFIRM_COLUMNS = "anonymizer.change_columnrole"
# Rule sets and policies (model-wide).
VIEW_RULESET = "anonymizer.view_ruleset"
CHANGE_RULESET = "anonymizer.change_ruleset"
ACTIVATE_RULESET = "anonymizer.activate_ruleset"
VIEW_POLICY = "anonymizer.view_policy"
CHANGE_POLICY = "anonymizer.change_policy"
APPROVE_POLICY = "anonymizer.approve_policy"
# Exports, the vault, escalations, the audit trail.
VIEW_EXPORT = "anonymizer.view_exporteddataset"
ADD_EXPORT = "anonymizer.add_exporteddataset"
DOWNLOAD_EXPORT = "anonymizer.download_exporteddataset"
LOOKUP_VAULT = "anonymizer.view_vaultentry"
MANAGE_API_TOKENS = "anonymizer.change_apitoken"  # list and revoke anyone's API token
VIEW_PIPELINE = "anonymizer.view_pipeline"
ADD_PIPELINE = "anonymizer.add_pipeline"
CHANGE_PIPELINE = "anonymizer.change_pipeline"
RUN_PIPELINE = "anonymizer.run_pipeline"
RESOLVE_ESCALATION = "review.resolve_escalation"
USE_REVIEW = "review.view_reviewitem"  # the review workspace; records still need `review`

# Object-level codenames guardian stores per batch.
REVIEW_CODENAME = REVIEW.split(".", 1)[1]
VIEW_CODENAME = VIEW.split(".", 1)[1]


def may(user: Any, perm: str) -> bool:
    """A model-wide permission (the role's), for checks and templates."""
    return bool(user.is_authenticated and user.has_perm(perm))


def require_perm(user: Any, perm: str) -> None:
    if not may(user, perm):
        raise PermissionDenied("Your role does not allow this.")


# --- Batches and what belongs to them -----------------------------------------------------


def batches_for_user(user: Any, perm: str = VIEW) -> QuerySet[SourceBatch]:
    """Batches the user holds `perm` on, model-wide (admins, officers) or per object."""
    return get_objects_for_user(user, perm, klass=SourceBatch, accept_global_perms=True)


def check_batch(user: Any, batch: SourceBatch, perm: str = VIEW) -> None:
    """404 if the user may not see the batch, 403 if they may see it but not `perm`."""
    if not (user.has_perm(VIEW) or user.has_perm(VIEW, batch)):
        raise Http404("No such batch.")
    if perm != VIEW and not (user.has_perm(perm) or user.has_perm(perm, batch)):
        raise PermissionDenied("You may not do this with this batch.")


def batch_for_user(user: Any, public_id: UUID | str, perm: str = VIEW) -> SourceBatch:
    """The batch, or 404 if the user may not see it, or 403 if they may see it but not `perm`."""
    try:
        batch = SourceBatch.objects.get(public_id=public_id)
    except (SourceBatch.DoesNotExist, ValueError):
        raise Http404("No such batch.") from None
    check_batch(user, batch, perm)
    return batch


def is_officer(user: Any) -> bool:
    """Resolves escalations on every batch they can see (privacy officers see all)."""
    return may(user, RESOLVE_ESCALATION) and user.has_perm(VIEW)


def review_access(user: Any, batch: SourceBatch) -> bool:
    """For a record of `batch`: True if the user acts on it as an officer, False as its
    assigned reviewer; 404 if they may not see the batch, 403 if they may only look."""
    if is_officer(user):
        return True
    # The common case first, in as few queries as possible: an assigned reviewer.
    checker = ObjectPermissionChecker(user)
    if checker.has_perm(REVIEW_CODENAME, batch):
        return False
    if not (user.has_perm(VIEW) or checker.has_perm(VIEW_CODENAME, batch)):
        raise Http404("No such record.")
    raise PermissionDenied("You may not review this batch.")


def export_for_user(user: Any, public_id: UUID | str, perm: str = VIEW_EXPORT) -> ExportedDataset:
    """The export, seen by those who may see its batch and exports; 403 without `perm`."""
    try:
        export = ExportedDataset.objects.select_related("batch", "policy").get(public_id=public_id)
    except (ExportedDataset.DoesNotExist, ValueError):
        raise Http404("No such export.") from None
    check_batch(user, export.batch, VIEW_EXPORT)
    if perm != VIEW_EXPORT:
        require_perm(user, perm)
    return export


# --- Model-wide objects -------------------------------------------------------------------


def policy_for_user(user: Any, public_id: UUID | str, perm: str = VIEW_POLICY) -> Policy:
    """403 without the policy permissions of a role, 404 for no such policy."""
    require_perm(user, VIEW_POLICY)
    try:
        policy = Policy.objects.select_related("authored_by", "approved_by").get(
            public_id=public_id
        )
    except (Policy.DoesNotExist, ValueError):
        raise Http404("No such policy.") from None
    if perm != VIEW_POLICY:
        require_perm(user, perm)
    return policy


def may_approve_policy(user: Any, policy: Policy) -> bool:
    """A pending version, approved by an officer who neither wrote nor edited it."""
    return (
        may(user, APPROVE_POLICY)
        and policy.status == Policy.Status.PENDING
        and not policy.edited_by(user)
    )


def may_activate_ruleset(user: Any, ruleset: RuleSet) -> bool:
    """A draft, activated by an officer who neither built nor edited it (nor its model)."""
    return may(user, ACTIVATE_RULESET) and ruleset.is_editable and not ruleset.edited_by(user)


def ruleset_for_user(user: Any, version: int, perm: str = VIEW_RULESET) -> RuleSet:
    """403 without the rule-set permissions of a role, 404 for no such version."""
    require_perm(user, VIEW_RULESET)
    try:
        ruleset = RuleSet.objects.get(version=version)
    except RuleSet.DoesNotExist:
        raise Http404("No such rule set.") from None
    if perm != VIEW_RULESET:
        require_perm(user, perm)
    return ruleset


def api_token_for_user(user: Any, public_id: UUID | str) -> ApiToken:
    """The user's own token, or anyone's for a user who may manage tokens; else 404."""
    tokens = ApiToken.objects.select_related("user")
    if not may(user, MANAGE_API_TOKENS):
        tokens = tokens.filter(user=user)
    try:
        return tokens.get(public_id=public_id)
    except (ApiToken.DoesNotExist, ValueError):
        raise Http404("No such token.") from None
