"""Reads for rule sets: the live version and its engine configuration."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from anonymizer.engine import learned
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


def model_digest(config: dict[str, Any]) -> str:
    """The sha256 of the NER model a configuration names ("" for the base model)."""
    return str(config.get("ner_model_sha256") or "")


def evaluation_staleness(evaluation: Any, ruleset: RuleSet, active: RuleSet | None) -> str:
    """Why `evaluation` does not vouch for the draft as it is now ("" when it is fresh): it
    must have evaluated this exact configuration and model, against the active rule set."""
    if evaluation is None:
        return "it has no evaluation"
    if evaluation.config_sha256 != config_digest(ruleset.config):
        return "it changed after its last evaluation"
    if evaluation.ner_model_sha256 != model_digest(ruleset.config):
        return "it names another NER model than the one evaluated"
    if not evaluation.held_out_records and "external_dev" not in evaluation.report:
        return "its evaluation covered no reviewed record"
    if active is not None and evaluation.baseline_id != active.pk:
        return (
            f"it was evaluated against v{evaluation.baseline.version}, and "
            f"v{active.version} is active now"
        )
    return ""


@dataclass(frozen=True)
class Gate:
    """The regression gate of one draft: its latest evaluation, why that is stale (if it is),
    and the types the evaluation found worse. Activation needs it passed, or an override."""

    evaluation: Any
    stale: str
    regressions: list[str]

    @property
    def passed(self) -> bool:
        return not self.stale and not self.regressions

    def refusal(self) -> str:
        if self.stale:
            return f"The candidate has no fresh evaluation ({self.stale})"
        return f"The candidate is worse than the active rule set on {', '.join(self.regressions)}"


def activation_gate(ruleset: RuleSet) -> Gate:
    evaluation = latest_evaluation(ruleset)
    active = RuleSet.objects.filter(status=RuleSet.Status.ACTIVE).first()
    stale = evaluation_staleness(evaluation, ruleset, active)
    found = [] if stale or evaluation is None else list(evaluation.regressions)
    return Gate(evaluation=evaluation, stale=stale, regressions=found)


def ruleset_editor_names(ruleset: RuleSet) -> list[str]:
    """Who built or changed the candidate, for its page (none of them may activate it)."""
    names = set(ruleset.editors.values_list("username", flat=True))
    if ruleset.created_by is not None:
        names.add(ruleset.created_by.get_username())
    return sorted(names)


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


def learned_summary(ruleset: RuleSet) -> dict[str, Any] | None:
    """What this version's learned lists add to and remove from the version it was based on
    (counts, for the officer: the lists hold digests, not strings), or None if they match."""
    base = ruleset.based_on
    before = RuleSetConfig.from_dict(base.config if base is not None else {}).learned
    after = RuleSetConfig.from_dict(ruleset.config).learned
    summary = learned.summary(before, after)
    if not any(summary.values()):
        return None
    return {**summary, "totals": after.counts(), "based_on": base.version if base else None}
