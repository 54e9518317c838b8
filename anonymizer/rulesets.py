"""Rule-set versions: drafts are edited by privacy officers, then activated; active and
retired versions never change, so every span's rule-set version means one configuration."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from anonymizer.models import RuleSet
from audit.services import audit_log


class RuleSetError(ValueError):
    """A rule-set change that is not allowed; the message is safe to show."""


def validate_config(config: dict[str, Any], *, version: int) -> dict[str, Any]:
    """Check a config through the engine; returns its normalised form or raises RuleSetError."""
    from anonymizer.engine.ruleset import RuleSetConfig

    try:
        parsed = RuleSetConfig.from_dict({**config, "version": version})
    except (ValueError, TypeError, KeyError) as exc:
        raise RuleSetError(f"The rule set is invalid: {exc}") from None
    return parsed.to_dict()  # type: ignore[no-any-return]


def ruleset_create_draft(*, actor: Any, based_on: RuleSet, notes: str = "") -> RuleSet:
    with transaction.atomic():
        version = (RuleSet.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
        draft = RuleSet.objects.create(
            version=version,
            config=validate_config(dict(based_on.config), version=version),
            based_on=based_on,
            notes=notes,
            validation_sample_rate=0.05,
            created_by=actor,
        )
        audit_log(
            actor=actor,
            action="ruleset.draft_created",
            target=draft,
            payload={"version": version, "based_on": based_on.version},
        )
        return draft


def ruleset_update_draft(
    *,
    actor: Any,
    ruleset: RuleSet,
    config: dict[str, Any],
    notes: str,
    validation_sample_rate: float,
) -> RuleSet:
    if not ruleset.is_editable:
        raise RuleSetError("Only a draft can be edited; make a new draft instead.")
    if not 0 <= validation_sample_rate <= 1:
        raise RuleSetError("The validation sample rate must be between 0 and 1.")
    ruleset.config = validate_config(config, version=ruleset.version)
    ruleset.notes = notes
    ruleset.validation_sample_rate = validation_sample_rate
    with transaction.atomic():
        ruleset.save(update_fields=["config", "notes", "validation_sample_rate"])
        audit_log(
            actor=actor,
            action="ruleset.draft_updated",
            target=ruleset,
            payload={"version": ruleset.version, "config_sha256": config_digest(ruleset.config)},
        )
    return ruleset


def config_digest(config: dict[str, Any]) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def ruleset_activate(*, actor: Any, ruleset: RuleSet, override_reason: str = "") -> RuleSet:
    """Make a draft the live version; the previous active one is retired.

    If the draft's latest evaluation found types it detects worse than the active rule set,
    activation needs a written override, which is audited."""
    with transaction.atomic():
        locked = RuleSet.objects.select_for_update().get(pk=ruleset.pk)
        if locked.status != RuleSet.Status.DRAFT:
            raise RuleSetError("Only a draft can be activated.")
        evaluation = locked.evaluations.order_by("-created_at", "-id").first()
        regressions = list(evaluation.regressions) if evaluation else []
        override_reason = override_reason.strip()
        if regressions and len(override_reason) < 15:
            raise RuleSetError(
                "The candidate is worse than the active rule set on "
                f"{', '.join(regressions)}: activating it needs a written override "
                "(at least 15 characters)."
            )
        validate_config(dict(locked.config), version=locked.version)
        previous = list(
            RuleSet.objects.filter(status=RuleSet.Status.ACTIVE).values_list("version", flat=True)
        )
        RuleSet.objects.filter(status=RuleSet.Status.ACTIVE).update(status=RuleSet.Status.RETIRED)
        locked.status = RuleSet.Status.ACTIVE
        locked.activated_by = actor
        locked.activated_at = timezone.now()
        locked.save(update_fields=["status", "activated_by", "activated_at"])
        audit_log(
            actor=actor,
            action="ruleset.activated",
            target=locked,
            payload={
                "version": locked.version,
                "retired": previous,
                "config_sha256": config_digest(locked.config),
                "regressions": regressions,
                "override_reason": override_reason if regressions else "",
            },
        )
    return locked
