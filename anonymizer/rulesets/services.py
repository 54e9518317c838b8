"""Rule-set versions: drafts are edited by privacy officers, then activated; active and
retired versions never change, so every span's rule-set version means one configuration.
A retraining round turns reviewers' corrections into an evaluated candidate draft."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from anonymizer.models import NerModel, Record, RuleSet, RuleSetEvaluation
from anonymizer.rulesets.evaluation import evaluate_rulesets, regressions
from anonymizer.rulesets.learning import (
    corrections,
    gold_spans,
    is_held_out,
    propose_changes,
    reviewed_items,
)
from anonymizer.rulesets.selectors import (
    RuleSetError,
    config_digest,
    latest_evaluation,
    ruleset_active,
    validate_config,
)
from audit.services import audit_log
from review.models import ReviewItem


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


def ruleset_set_config(*, actor: Any, ruleset: RuleSet, config: dict[str, Any]) -> RuleSet:
    """A draft's configuration changed, its notes and validation sample rate kept."""
    return ruleset_update_draft(
        actor=actor,
        ruleset=ruleset,
        config=config,
        notes=ruleset.notes,
        validation_sample_rate=ruleset.validation_sample_rate,
    )


def ruleset_activate(*, actor: Any, ruleset: RuleSet, override_reason: str = "") -> RuleSet:
    """Make a draft the live version; the previous active one is retired.

    If the draft's latest evaluation found types it detects worse than the active rule set,
    activation needs a written override, which is audited."""
    with transaction.atomic():
        locked = RuleSet.objects.select_for_update().get(pk=ruleset.pk)
        if locked.status != RuleSet.Status.DRAFT:
            raise RuleSetError("Only a draft can be activated.")
        evaluation = latest_evaluation(locked)
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
        nermodels_sync_status()
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


# --- Learning from corrections ---------------------------------------------------------


def retrain_round(*, actor: Any) -> RuleSet:
    """Corrections from the training slice -> candidate draft -> evaluated on held-out."""
    active = ruleset_active()
    items = list(reviewed_items())
    train = [i for i in items if not is_held_out(i.record_id)]
    held = [i for i in items if is_held_out(i.record_id)]
    found = corrections(ReviewItem.objects.filter(pk__in=[i.pk for i in train]))
    texts = dict(
        Record.objects.filter(id__in={c.record_id for c in found}).values_list("id", "text")
    )
    config, proposals = propose_changes(found, texts, dict(active.config))
    with transaction.atomic():
        draft = ruleset_create_draft(
            actor=actor,
            based_on=active,
            notes=f"Candidate from {len(found)} corrections on {len(train)} reviewed records.",
        )
        ruleset_update_draft(
            actor=actor,
            ruleset=draft,
            config=config,
            notes=draft.notes,
            validation_sample_rate=0.05,
        )
        draft.proposals = proposals
        draft.save(update_fields=["proposals"])
    report = evaluate_rulesets(
        draft, active, gold_spans(ReviewItem.objects.filter(pk__in=[i.pk for i in held]))
    )
    evaluation_store(
        actor=actor, draft=draft, baseline=active, report=report,
        found=regressions(report), held=len(held), train=len(train),
    )
    return draft


def evaluation_store(
    *,
    actor: Any,
    draft: RuleSet,
    baseline: RuleSet,
    report: dict[str, Any],
    found: list[str],
    held: int,
    train: int,
) -> RuleSetEvaluation:
    """A candidate's evaluation and its audit event (figures only), in one transaction."""
    with transaction.atomic():
        evaluation = RuleSetEvaluation.objects.create(
            ruleset=draft, baseline=baseline, held_out_records=held, training_records=train,
            report=report, regressions=sorted(found),
        )
        payload = {
            "version": draft.version, "baseline": baseline.version, "held_out": held,
            "training": train, "candidate_leak": report["candidate"]["leak_rate"],
            "baseline_leak": report["baseline"]["leak_rate"], "regressions": sorted(found),
        }
        if "external_dev" in report:
            payload["dev_candidate_leak"] = report["external_dev"]["candidate"]["leak_rate"]
            payload["dev_baseline_leak"] = report["external_dev"]["baseline"]["leak_rate"]
        audit_log(actor=actor, action="ruleset.evaluated", target=draft, payload=payload)
    return evaluation


def proposal_confirm(*, actor: Any, ruleset: RuleSet, index: int) -> RuleSet:
    """An officer confirms one proposed pattern: it moves into the draft's patterns."""
    if not ruleset.is_editable:
        raise RuleSetError("Only a draft's proposals can be confirmed.")
    try:
        proposal = dict(ruleset.proposals[index])
    except (IndexError, TypeError):
        raise RuleSetError("No such proposal.") from None
    proposal.pop("support", None)
    config = dict(ruleset.config)
    config["patterns"] = [*config.get("patterns", []), proposal]
    with transaction.atomic():
        ruleset_set_config(actor=actor, ruleset=ruleset, config=config)
        ruleset.proposals = [p for i, p in enumerate(ruleset.proposals) if i != index]
        ruleset.save(update_fields=["proposals"])
        audit_log(
            actor=actor,
            action="ruleset.proposal_confirmed",
            target=ruleset,
            payload={
                "version": ruleset.version,
                "pattern": proposal["name"],
                "label": proposal["label"],
            },
        )
    return ruleset


def nermodels_sync_status() -> None:
    """The model the active rule set names is active; models once active and no longer named
    are retired. (Run on every activation, and before training.)"""
    active = RuleSet.objects.filter(status=RuleSet.Status.ACTIVE).first()
    digest = str(active.config.get("ner_model_sha256", "")) if active else ""
    with transaction.atomic():
        NerModel.objects.filter(status=NerModel.Status.ACTIVE).exclude(sha256=digest).update(
            status=NerModel.Status.RETIRED
        )
        if digest:
            NerModel.objects.filter(sha256=digest).update(status=NerModel.Status.ACTIVE)
