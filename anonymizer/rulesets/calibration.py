"""Risk thresholds calibrated on labelled data become a new rule-set version: a draft with the
chosen setting, audited with the figures, that an officer activates through the usual gate."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from anonymizer.engine.calibration import CalibrationRow
from anonymizer.models import RuleSet
from anonymizer.rulesets.selectors import ruleset_active
from anonymizer.rulesets.services import ruleset_create_draft, ruleset_set_config
from audit.services import audit_log


def ruleset_calibrate(
    *, actor: Any, chosen: CalibrationRow, rows: list[CalibrationRow], source: str
) -> RuleSet:
    """A draft based on the active rule set whose risk thresholds are `chosen`'s setting."""
    active = ruleset_active()
    figures = (
        f"auto-clear {chosen.auto_cleared_share:.1%} of {chosen.records} records at "
        f"{chosen.leak_in_auto_cleared:.2%} leak"
    )
    with transaction.atomic():
        draft = ruleset_create_draft(
            actor=actor,
            based_on=active,
            notes=f"Risk thresholds calibrated on {source}: {figures}.",
        )
        config = dict(draft.config)
        config["risk_thresholds"] = {**dict(config.get("risk_thresholds") or {}), **chosen.setting}
        ruleset_set_config(actor=actor, ruleset=draft, config=config)
        versions = {"version": draft.version, "based_on": active.version}
        payload = {**versions, "chosen": chosen.as_dict(), "settings_tried": len(rows)}
        audit_log(actor=actor, action="ruleset.risk_calibrated", target=draft, payload=payload)
    return draft
