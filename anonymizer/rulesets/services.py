"""Rule-set versions: drafts are edited by privacy officers, then activated; active and
retired versions never change, so every span's rule-set version means one configuration.
A retraining round turns reviewers' corrections into an evaluated candidate draft."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from anonymizer import ascode, permissions
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
    activation_gate,
    config_digest,
    model_digest,
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
        note_editor(draft, actor)
        audit_log(
            actor=actor,
            action="ruleset.draft_created",
            target=draft,
            payload={"version": version, "based_on": based_on.version},
        )
        return draft


RULESET_KIND = "veil.ruleset"


def ruleset_file(ruleset: RuleSet, fmt: str = "json") -> str:
    """The version as a file to keep in version control (anonymizer.ascode)."""
    return ascode.dump(RULESET_KIND, {
        "version": ruleset.version,
        "status": ruleset.status,
        "based_on": ruleset.based_on.version if ruleset.based_on else None,
        "notes": ruleset.notes,
        "validation_sample_rate": ruleset.validation_sample_rate,
    }, ruleset.config, fmt)


def ruleset_import(*, actor: Any, data: bytes) -> RuleSet:
    """A new draft from a rule-set file, based on the active version; it still needs another
    officer to activate it (four eyes: the importer is one of its editors). Raises
    ascode.FileError or RuleSetError, with nothing stored."""
    if not permissions.may(actor, permissions.CHANGE_RULESET):
        raise PermissionDenied("Only privacy officers import rule sets.")
    document = ascode.load(data, RULESET_KIND)
    if not isinstance(document["body"], dict):
        raise RuleSetError("The rule set's body must be an object.")
    rate = document.get("validation_sample_rate", 0.05)
    if not isinstance(rate, int | float) or not 0 <= rate <= 1:
        raise RuleSetError("The validation sample rate must be between 0 and 1.")
    with transaction.atomic():
        version = (RuleSet.objects.select_for_update().aggregate(v=Max("version"))["v"] or 0) + 1
        config = validate_config(dict(document["body"]), version=version)
        notes = str(document.get("notes") or "")[:2000]
        draft = RuleSet.objects.create(
            version=version, config=config, based_on=ruleset_active(),
            notes=f"{notes}\n(imported from a file of version {document.get('version')})".strip(),
            validation_sample_rate=float(rate), created_by=actor,
        )
        note_editor(draft, actor)
        audit_log(actor=actor, action="ruleset.imported", target=draft, payload={
            "version": version, "file_version": document.get("version"),
            "body_sha256": ascode.body_digest(document["body"]),
        })
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
        if not RuleSet.objects.select_for_update().get(pk=ruleset.pk).is_editable:
            raise RuleSetError("Only a draft can be edited; make a new draft instead.")
        ruleset.save(update_fields=["config", "notes", "validation_sample_rate"])
        note_editor(ruleset, actor)
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


def note_editor(ruleset: RuleSet, actor: Any) -> None:
    """Four eyes: whoever builds or changes a candidate is recorded as one of its editors."""
    if actor is not None and actor.pk is not None:
        ruleset.editors.add(actor)


def ruleset_activate(*, actor: Any, ruleset: RuleSet, override_reason: str = "") -> RuleSet:
    """Make a draft the live version; the previous active one is retired.

    Four eyes: nobody who built or edited the candidate (or trained the model it names)
    activates it. The regression gate: the latest evaluation must be of this exact
    configuration and model against the active rule set and find nothing worse; otherwise
    activation needs a written override, which is stored and audited."""
    with transaction.atomic():
        locked = RuleSet.objects.select_for_update().get(pk=ruleset.pk)
        if locked.status != RuleSet.Status.DRAFT:
            raise RuleSetError("Only a draft can be activated.")
        if locked.edited_by(actor):
            raise RuleSetError(
                "You built or edited this candidate: another privacy officer must activate it."
            )
        gate = activation_gate(locked)
        override_reason = override_reason.strip() if not gate.passed else ""
        if not gate.passed and len(override_reason) < 15:
            raise RuleSetError(
                f"{gate.refusal()}: activating it needs a written override "
                "(at least 15 characters)."
            )
        validate_config(dict(locked.config), version=locked.version)
        previous = _retire_active()
        locked.status = RuleSet.Status.ACTIVE
        locked.activated_by, locked.activated_at = actor, timezone.now()
        locked.activation_override = override_reason
        locked.save(update_fields=["status", "activated_by", "activated_at",
                                   "activation_override"])
        nermodels_sync_status()
        audit_log(actor=actor, action="ruleset.activated", target=locked, payload={
            "version": locked.version, "retired": previous,
            "config_sha256": config_digest(locked.config),
            "evaluation": gate.evaluation.pk if gate.evaluation else None,
            "stale": gate.stale, "regressions": gate.regressions,
            "override_reason": override_reason,
            "editor_ids": sorted(locked.editors.values_list("pk", flat=True)),
        })
    return locked


def _retire_active() -> list[int]:
    active = RuleSet.objects.filter(status=RuleSet.Status.ACTIVE)
    previous = list(active.values_list("version", flat=True))
    active.update(status=RuleSet.Status.RETIRED)
    return previous


# --- Learning from corrections ---------------------------------------------------------


def _reviewed_split() -> tuple[list[ReviewItem], list[ReviewItem]]:
    """Reviewed items: those that train (four in five) and the held-out fifth."""
    items = list(reviewed_items())
    return (
        [i for i in items if not is_held_out(i.record_id)],
        [i for i in items if is_held_out(i.record_id)],
    )


def retrain_round(*, actor: Any) -> RuleSet:
    """Corrections from the training slice -> candidate draft -> evaluated on held-out."""
    active = ruleset_active()
    train, held = _reviewed_split()
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
    _evaluate_on_held_out(actor, draft, active, train, held)
    return draft


def ruleset_evaluate(*, actor: Any, ruleset: RuleSet) -> RuleSetEvaluation:
    """Evaluate a draft as it is now against the active rule set on the held-out reviewed
    records: the fresh evaluation the regression gate asks for after any change."""
    if not ruleset.is_editable:
        raise RuleSetError("Only a draft is evaluated for activation.")
    train, held = _reviewed_split()
    return _evaluate_on_held_out(actor, ruleset, ruleset_active(), train, held)


def _evaluate_on_held_out(
    actor: Any, draft: RuleSet, active: RuleSet, train: list[Any], held: list[Any]
) -> RuleSetEvaluation:
    report = evaluate_rulesets(
        draft, active, gold_spans(ReviewItem.objects.filter(pk__in=[i.pk for i in held]))
    )
    return evaluation_store(
        actor=actor, draft=draft, baseline=active, report=report,
        found=regressions(report), held=len(held), train=len(train),
    )


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
    """A candidate's evaluation and its audit event (figures only), in one transaction. It
    is tied to the configuration and model evaluated (`draft` as it was evaluated): a later
    change makes it stale."""
    digest, model = config_digest(draft.config), model_digest(draft.config)
    with transaction.atomic():
        evaluation = RuleSetEvaluation.objects.create(
            ruleset=draft, baseline=baseline, held_out_records=held, training_records=train,
            report=report, regressions=sorted(found), config_sha256=digest,
            ner_model_sha256=model,
        )
        payload = {
            "version": draft.version, "baseline": baseline.version, "config_sha256": digest,
            "ner_model_sha256": model, "held_out": held,
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
