"""Policy life cycle: draft -> pending -> approved -> retired, four eyes on approval."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from anonymizer.models import Policy
from audit.services import audit_log

COLUMN_OPERATORS = ("keep", "redact", "replace", "mask", "pseudonymize", "generalize")


class PolicyError(ValueError):
    """A policy change that is not allowed; the message is safe to show."""


def default_policy_rules() -> dict[str, Any]:
    from anonymizer.engine.labels import LABELS

    return {
        "rules": {label: {"operator": "replace"} for label in sorted(LABELS)},
        "default": {"operator": "redact"},
    }


def ensure_default_policy() -> Policy:
    policy = Policy.objects.filter(name="default").order_by("-version").first()
    if policy is None:
        policy = Policy.objects.create(
            name="default",
            version=1,
            status=Policy.Status.APPROVED,
            rules=default_policy_rules(),
            approved_at=timezone.now(),
            notes="Built in: every detected entity replaced by its type label.",
        )
    return policy


def validate_rules(rules: Any, column_rules: Any) -> None:
    from anonymizer.engine.transform import policy_from_dict

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
        policy = Policy.objects.create(
            name=name,
            version=version,
            data_class=data_class,
            purpose=purpose,
            rules=rules,
            column_rules=column_rules,
            linkage_domain=linkage_domain,
            notes=notes,
            based_on=based_on,
            authored_by=actor,
            tabular=tabular or {},
        )
        audit_log(
            actor=actor,
            action="policy.created",
            target=policy,
            payload={
                "name": name,
                "version": version,
                "based_on": based_on.version if based_on else None,
            },
        )
    return policy


def policy_new_version(*, actor: Any, policy: Policy) -> Policy:
    return policy_create(
        actor=actor,
        name=policy.name,
        data_class=policy.data_class,
        purpose=policy.purpose,
        rules=policy.rules,
        column_rules=policy.column_rules,
        linkage_domain=policy.linkage_domain,
        notes=policy.notes,
        based_on=policy,
        tabular=policy.tabular,
    )


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
        policy.save(
            update_fields=[
                "rules",
                "column_rules",
                "notes",
                "data_class",
                "purpose",
                "linkage_domain",
                "tabular",
            ]
        )
        audit_log(
            actor=actor,
            action="policy.updated",
            target=policy,
            payload={"name": policy.name, "version": policy.version},
        )
    return policy


def _transition(policy: Policy, *, from_: tuple[str, ...], to: str) -> Policy:
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    if locked.status not in from_:
        raise PolicyError(f"A {locked.get_status_display().lower()} policy cannot become {to}.")
    locked.status = to
    return locked


def policy_submit(*, actor: Any, policy: Policy) -> Policy:
    with transaction.atomic():
        locked = _transition(policy, from_=(Policy.Status.DRAFT,), to=Policy.Status.PENDING)
        locked.submitted_at = timezone.now()
        locked.save(update_fields=["status", "submitted_at"])
        audit_log(
            actor=actor,
            action="policy.submitted",
            target=locked,
            payload={"name": locked.name, "version": locked.version},
        )
    return locked


def policy_approve(*, actor: Any, policy: Policy) -> Policy:
    if not actor.has_perm("anonymizer.approve_policy"):
        raise PolicyError("Only a privacy officer approves policies.")
    with transaction.atomic():
        locked = _transition(policy, from_=(Policy.Status.PENDING,), to=Policy.Status.APPROVED)
        if locked.authored_by_id == actor.pk:
            raise PolicyError("You wrote this policy: another privacy officer must approve it.")
        locked.approved_by, locked.approved_at = actor, timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        audit_log(
            actor=actor,
            action="policy.approved",
            target=locked,
            payload={
                "name": locked.name,
                "version": locked.version,
                "author_id": locked.authored_by_id,
            },
        )
    return locked


def policy_retire(*, actor: Any, policy: Policy) -> Policy:
    with transaction.atomic():
        locked = _transition(
            policy,
            from_=(Policy.Status.APPROVED, Policy.Status.PENDING, Policy.Status.DRAFT),
            to=Policy.Status.RETIRED,
        )
        locked.retired_at = timezone.now()
        locked.save(update_fields=["status", "retired_at"])
        audit_log(
            actor=actor,
            action="policy.retired",
            target=locked,
            payload={"name": locked.name, "version": locked.version},
        )
    return locked


def policies_for_batch(batch: Any) -> list[Policy]:
    """Approved policies that fit the batch's data class and purpose (blank fits any)."""
    return [
        p
        for p in Policy.objects.filter(status=Policy.Status.APPROVED)
        if p.data_class in ("", batch.data_class) and p.purpose in ("", batch.purpose)
    ]
