"""Reads for rule sets: the live version and its engine configuration."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from anonymizer.engine.ruleset import RuleSetConfig
from anonymizer.models import RuleSet


class RuleSetError(ValueError):
    """A rule-set change that is not allowed, or no live rule set; the message is safe to
    show."""


def ruleset_active() -> RuleSet:
    """The live rule set. Version 1 comes from a migration; nothing is created here."""
    active = RuleSet.objects.filter(status=RuleSet.Status.ACTIVE).first()
    if active is None:
        raise RuleSetError("No rule set is active: a privacy officer must activate one.")
    return active


def ruleset_engine_config(ruleset: RuleSet) -> RuleSetConfig:
    data = dict(ruleset.config)
    data["version"] = ruleset.version
    return RuleSetConfig.from_dict(data)


def validate_config(config: dict[str, Any], *, version: int) -> dict[str, Any]:
    """Check a config through the engine; returns its normalised form or raises RuleSetError."""
    try:
        parsed = RuleSetConfig.from_dict({**config, "version": version})
    except (ValueError, TypeError, KeyError) as exc:
        raise RuleSetError(f"The rule set is invalid: {exc}") from None
    return parsed.to_dict()


def config_digest(config: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def latest_evaluation(ruleset: RuleSet) -> Any:
    return ruleset.evaluations.select_related("baseline").order_by("-created_at", "-id").first()


def evaluation_rows(evaluation: Any) -> list[dict[str, object]]:
    """Candidate beside baseline, overall then per entity type, for the rule-set page."""
    if evaluation is None:
        return []
    report = evaluation.report
    cand, base = report["candidate"]["per_entity"], report["baseline"]["per_entity"]
    rows: list[dict[str, object]] = [
        {"label": "ALL", "c": report["candidate"], "b": report["baseline"]}
    ]
    rows += [
        {"label": k, "c": cand.get(k, {}), "b": base.get(k, {})}
        for k in sorted(set(cand) | set(base))
    ]
    return rows
