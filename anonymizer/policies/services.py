"""Policy life cycle: draft -> pending -> approved -> retired, four eyes on approval; a
pending version may be sent back to draft with a reason.
The built-in `default` policy comes from a migration (anonymizer.defaults)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from anonymizer.defaults import default_policy_rules
from anonymizer.models import Policy, SourceBatch
from anonymizer.permissions import APPROVE_POLICY
from anonymizer.policies.rules import PolicyError, validate_rules, validate_tabular
from audit.services import audit_log

# What a draft's editor changes, and what a new version copies from the one it is based on.
EDITABLE_FIELDS = (
    "rules", "column_rules", "id_rule", "notes", "data_class", "purpose", "linkage_domain",
    "tabular",
)


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
    id_rule: dict[str, Any] | None = None,
    check_fit: bool = True,
) -> Policy:
    rules = rules if rules is not None else default_policy_rules()
    column_rules, id_rule = column_rules or {}, id_rule or {}
    validate_rules(
        rules, column_rules, id_rule, data_class=data_class, purpose=purpose, check_fit=check_fit
    )
    if check_fit:
        validate_tabular(tabular)
    with transaction.atomic():
        version = (
            Policy.objects.select_for_update().filter(name=name).aggregate(v=Max("version"))["v"]
            or 0
        ) + 1
        fields = {"data_class": data_class, "purpose": purpose, "notes": notes}
        fields |= {"rules": rules, "column_rules": column_rules, "tabular": tabular or {}}
        policy = Policy.objects.create(
            name=name, version=version, linkage_domain=linkage_domain, **fields,
            based_on=based_on, authored_by=actor, id_rule=id_rule,
        )
        _note_editor(policy, actor)
        _audit(actor, "created", policy, based_on=based_on.version if based_on else None)
    return policy


def policy_new_version(*, actor: Any, policy: Policy) -> Policy:
    """A new draft of the same name, a copy of `policy`'s editable fields."""
    copied = {name: getattr(policy, name) for name in EDITABLE_FIELDS}
    # A rule that no longer fits the data must not stop the copy meant to fix it: saving the
    # draft and submitting it check the fit again.
    return policy_create(
        actor=actor, name=policy.name, based_on=policy, check_fit=False, **copied
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
    id_rule: dict[str, Any] | None = None,
) -> Policy:
    """Save a draft's fields; the actor becomes one of its editors (who may not approve it)."""
    if not policy.is_editable:
        raise PolicyError("Only a draft can be edited; approved versions never change.")
    validate_rules(rules, column_rules, id_rule or {}, data_class=data_class, purpose=purpose)
    validate_tabular(tabular)
    with transaction.atomic():
        locked = Policy.objects.select_for_update().get(pk=policy.pk)
        if not locked.is_editable:
            raise PolicyError("Only a draft can be edited; approved versions never change.")
        policy.rules, policy.column_rules, policy.notes = rules, column_rules, notes
        policy.data_class, policy.purpose, policy.id_rule = data_class, purpose, id_rule or {}
        policy.linkage_domain, policy.tabular = linkage_domain, tabular or {}
        policy.save(update_fields=[*EDITABLE_FIELDS])
        _note_editor(policy, actor)
        _audit(actor, "updated", policy)
    return policy


def _note_editor(policy: Policy, actor: Any) -> None:
    """Four eyes: everyone who writes or changes a version is recorded as its editor."""
    if actor is not None and actor.pk is not None:
        policy.editors.add(actor)


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
    """A draft goes for approval only with rules that pass the checks a save makes."""
    validate_rules(
        policy.rules, policy.column_rules, policy.id_rule,
        data_class=policy.data_class, purpose=policy.purpose,
    )
    validate_tabular(policy.tabular)
    with transaction.atomic():
        return _transition(
            policy,
            from_=(Policy.Status.DRAFT,),
            to=Policy.Status.PENDING,
            stamp="submitted_at",
            actor=actor,
            action="submitted",
        )


def _pending_for_second_officer(actor: Any, policy: Policy, outcome: str, act: str) -> Policy:
    """The version, locked, if it is pending and `actor` neither wrote nor edited it (four
    eyes); call inside a transaction."""
    locked = Policy.objects.select_for_update().get(pk=policy.pk)
    if locked.status != Policy.Status.PENDING:
        raise PolicyError(f"A {locked.get_status_display().lower()} policy cannot {outcome}.")
    if locked.edited_by(actor):
        raise PolicyError(
            f"You wrote or edited this version: another privacy officer must {act} it."
        )
    return locked


def policy_approve(*, actor: Any, policy: Policy) -> Policy:
    if not actor.has_perm(APPROVE_POLICY):
        raise PolicyError("Only a privacy officer approves policies.")
    with transaction.atomic():
        locked = _pending_for_second_officer(actor, policy, "become approved", "approve")
        locked.status = Policy.Status.APPROVED
        locked.approved_by, locked.approved_at = actor, timezone.now()
        locked.save(update_fields=["status", "approved_by", "approved_at"])
        editors = sorted(locked.editors.values_list("pk", flat=True))
        _audit(actor, "approved", locked, author_id=locked.authored_by_id, editor_ids=editors)
    return locked


SEND_BACK_MIN_REASON = 10


def policy_send_back(*, actor: Any, policy: Policy, reason: str) -> Policy:
    """A pending version goes back to draft with a reason, kept in its `policy.sent_back`
    audit event. The same officers who may approve it may send it back (four eyes: not one
    who wrote or edited it)."""
    reason = reason.strip()
    if len(reason) < SEND_BACK_MIN_REASON:
        raise PolicyError(
            f"Say why it goes back, in at least {SEND_BACK_MIN_REASON} characters.", "reason"
        )
    if not actor.has_perm(APPROVE_POLICY):
        raise PolicyError("Only a privacy officer sends a policy back.")
    with transaction.atomic():
        locked = _pending_for_second_officer(actor, policy, "be sent back", "review")
        locked.status = Policy.Status.DRAFT
        locked.save(update_fields=["status"])
        _audit(actor, "sent_back", locked, reason=reason)
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


def policy_previewed(
    *, actor: Any, policy: Policy, batch: SourceBatch, record_ids: list[int]
) -> None:
    """An officer looked at records of `batch` beside their transformation under `policy`:
    recorded with ids only (the page showed raw text, the trail keeps none)."""
    audit_log(
        actor=actor,
        action="policy.previewed",
        batch_public_id=batch.public_id,
        target=policy,
        payload={"name": policy.name, "version": policy.version, "records": record_ids},
    )
