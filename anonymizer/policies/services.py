"""Policy life cycle: draft -> pending -> approved -> retired, four eyes on approval.
The built-in `default` policy comes from a migration (anonymizer.defaults)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from anonymizer.defaults import default_policy_rules
from anonymizer.engine.transform import policy_from_dict
from anonymizer.models import Policy
from anonymizer.permissions import APPROVE_POLICY
from audit.services import audit_log

# What a draft's editor changes, and what a new version copies from the one it is based on.
EDITABLE_FIELDS = (
    "rules", "column_rules", "notes", "data_class", "purpose", "linkage_domain", "tabular"
)


class PolicyError(ValueError):
    """A policy change that is not allowed; the message is safe to show."""


def validate_rules(rules: Any, column_rules: Any) -> None:
    if not isinstance(rules, dict):
        raise PolicyError("Rules must be a JSON object.")
    try:
        policy_from_dict(rules)
    except ValueError as exc:
        raise PolicyError(f"Invalid rules: {exc}") from None
    if not isinstance(column_rules, dict):
        raise PolicyError("Column rules must be a JSON object of column -> operator.")
    try:
        policy_from_dict({"rules": column_rules})
    except ValueError as exc:
        raise PolicyError(f"Invalid column rules: {exc}") from None


def policy_create(
    *,
    actor: Any,
    name: str,
    data_class: str = "",
    purpose: str = "",
    rules: dict[str, Any] | None = None,
    column_rules: dict[str, Any] | None = None,
    linkage_domain: str = "default",
    notes: str = "",
    based_on: Policy | None = None,
    tabular: dict[str, Any] | None = None,
) -> Policy:
    rules = rules if rules is not None else default_policy_rules()
    column_rules = column_rules or {}
    validate_rules(rules, column_rules)
    with transaction.atomic():
        version = (
            Policy.objects.select_for_update().filter(name=name).aggregate(v=Max("version"))["v"]
            or 0
        ) + 1
        fields = {"data_class": data_class, "purpose": purpose, "notes": notes}
        fields |= {"rules": rules, "column_rules": column_rules, "tabular": tabular or {}}
        policy = Policy.objects.create(
            name=name, version=version, linkage_domain=linkage_domain, **fields,
            based_on=based_on, authored_by=actor,
        )
        _audit(actor, "created", policy, based_on=based_on.version if based_on else None)
    return policy


def policy_new_version(*, actor: Any, policy: Policy) -> Policy:
    """A new draft of the same name, a copy of `policy`'s editable fields."""
    copied = {name: getattr(policy, name) for name in EDITABLE_FIELDS}
    return policy_create(actor=actor, name=policy.name, based_on=policy, **copied)


def policy_update_draft(
    *,
    actor: Any,
    policy: Policy,
    rules: dict[str, Any],
    column_rules: dict[str, Any],
    notes: str,
    data_class: str,
    purpose: str,
    linkage_domain: str,
    tabular: dict[str, Any] | None = None,
) -> Policy:
    if not policy.is_editable:
        raise PolicyError("Only a draft can be edited; approved versions never change.")
    validate_rules(rules, column_rules)
    with transaction.atomic():
        policy.rules, policy.column_rules, policy.notes = rules, column_rules, notes
        policy.data_class, policy.purpose = data_class, purpose
        policy.linkage_domain, policy.tabular = linkage_domain, tabular or {}
        policy.save(update_fields=[*EDITABLE_FIELDS])
        _audit(actor, "updated", policy)
    return policy


def _audit(actor: Any, action: str, policy: Policy, **extra: Any) -> None:
    payload = {"name": policy.name, "version": policy.version, **extra}
    audit_log(actor=actor, action=f"policy.{action}", target=policy, payload=payload)


def _transition(
    policy: Policy, *, from_: tuple[str, ...], to: str, stamp: str, actor: Any, action: str
) -> Policy:
    """Move a policy between states under a row lock, stamp the time and audit it."""
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    if locked.status not in from_:
        raise PolicyError(f"A {locked.get_status_display().lower()} policy cannot become {to}.")
    locked.status = to
    setattr(locked, stamp, timezone.now())
    locked.save(update_fields=["status", stamp])
    _audit(actor, action, locked)
    return locked


def policy_submit(*, actor: Any, policy: Policy) -> Policy:
    with transaction.atomic():
        return _transition(
            policy,
            from_=(Policy.Status.DRAFT,),
            to=Policy.Status.PENDING,
            stamp="submitted_at",
            actor=actor,
            action="submitted",
        )


def policy_approve(*, actor: Any, policy: Policy) -> Policy:
    if not actor.has_perm(APPROVE_POLICY):
        raise PolicyError("Only a privacy officer approves policies.")
    with transaction.atomic():
        locked = Policy.objects.select_for_update().get(pk=policy.pk)
        if locked.status != Policy.Status.PENDING:
            raise PolicyError(
                f"A {locked.get_status_display().lower()} policy cannot become approved."
            )
        if locked.authored_by_id == actor.pk:
            raise PolicyError("You wrote this policy: another privacy officer must approve it.")
        locked.status = Policy.Status.APPROVED
        locked.approved_by, locked.approved_at = actor, timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        _audit(actor, "approved", locked, author_id=locked.authored_by_id)
    return locked


def policy_retire(*, actor: Any, policy: Policy) -> Policy:
    with transaction.atomic():
        return _transition(
            policy,
            from_=(Policy.Status.APPROVED, Policy.Status.PENDING, Policy.Status.DRAFT),
            to=Policy.Status.RETIRED,
            stamp="retired_at",
            actor=actor,
            action="retired",
        )
