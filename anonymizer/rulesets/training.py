"""The model learns too: reviewers' corrections -> a fine-tuned NER model -> a draft rule set
that names it -> evaluated beside the active rule set on the held-out fifth (and on a fixed
external dev set when one is given). Activation stays with an officer, through the regression
gate of services.ruleset_activate. Every step is audited with counts only, never text.

Models are stored under settings.VEIL_MODEL_DIR (default <BASE_DIR>/var/models), one
directory per version, named by the rule set's config (`ner_model_path`, `ner_model_sha256`).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from anonymizer.models import NerModel, Record, RuleSet, RuleSetEvaluation
from anonymizer.rulesets.evaluation import evaluate_on_file, evaluate_rulesets, regressions
from anonymizer.rulesets.learning import gold_spans, is_held_out, reviewed_items
from anonymizer.rulesets.selectors import ruleset_active
from anonymizer.rulesets.services import (
    evaluation_store,
    nermodels_sync_status,
    ruleset_create_draft,
    ruleset_update_draft,
)
from audit.services import audit_log
from review.models import ReviewItem

REHEARSAL_POOL = 5000  # unreviewed training-side records considered for rehearsal texts


@dataclass(frozen=True)
class TrainingRun:
    model: NerModel
    ruleset: RuleSet
    evaluation: RuleSetEvaluation


def model_dir() -> Path:
    return Path(getattr(settings, "VEIL_MODEL_DIR", Path(settings.BASE_DIR) / "var" / "models"))


def _silent(_: str) -> None:
    return None


def model_train(
    *,
    actor: Any,
    epochs: int = 5,
    synthetic: int = 200,
    rehearsal: int = 150,
    seed: int = 0,
    dev_path: str | None = None,
    progress: Callable[[str], None] = _silent,
) -> TrainingRun:
    """Train a candidate NER model and an evaluated draft rule set that names it."""
    # spaCy and the training code take seconds to import: only a training run pays for them.
    from anonymizer.engine.training import TrainingOptions

    nermodels_sync_status()
    active = ruleset_active()
    items = list(reviewed_items())
    train = [i for i in items if not is_held_out(i.record_id)]
    held = [i for i in items if is_held_out(i.record_id)]
    examples = _examples(train)
    texts = _rehearsal_texts({i.record_id for i in items}, rehearsal)
    audit_log(actor=actor, action="nermodel.training_started", payload={
        "training_records": len(train), "held_out_records": len(held),
        "rehearsal_records": len(texts), "synthetic": synthetic, "epochs": epochs,
        "active_ruleset": active.version,
    })
    progress(f"Training on {len(examples)} reviewed records, {synthetic} synthetic tickets, "
             f"{rehearsal} rehearsal texts ({len(texts)} from records)...")
    options = TrainingOptions(epochs=epochs, synthetic=synthetic, rehearsal=rehearsal, seed=seed)
    model = _train_and_store(actor, examples, texts, options)
    progress(f"Model v{model.version} stored ({model.sha256[:12]}); evaluating...")
    draft = _draft_naming(actor, active, model, len(train))
    report = evaluate_rulesets(
        draft, active, gold_spans(ReviewItem.objects.filter(pk__in=[i.pk for i in held]))
    )
    found = regressions(report)
    if dev_path:
        progress("Evaluating on the external dev set...")
        report["external_dev"] = evaluate_on_file(draft, active, dev_path)
        found += [f"dev:{label}" for label in regressions(report["external_dev"])]
    evaluation = evaluation_store(
        actor=actor, draft=draft, baseline=active, report=report,
        found=found, held=len(held), train=len(train),
    )
    return TrainingRun(model=model, ruleset=draft, evaluation=evaluation)


def _examples(train: list[Any]) -> list[Any]:
    """Every reviewed training-side record with its full reviewed span set (the gold)."""
    # spaCy is imported by the training module: see model_train.
    from anonymizer.engine.training import TrainingExample

    gold = gold_spans(ReviewItem.objects.filter(pk__in=[i.pk for i in train]))
    texts = dict(Record.objects.filter(id__in=list(gold)).values_list("id", "text"))
    return [
        TrainingExample(texts[rid], tuple(sorted(spans)), "corrections")
        for rid, spans in sorted(gold.items())
    ]


def _rehearsal_texts(reviewed: set[int], limit: int) -> list[str]:
    """Texts of records nobody reviewed, outside the held-out fifth, for the old model to
    label (pseudo-rehearsal); the engine tops them up with synthetic texts."""
    rows = Record.objects.exclude(id__in=reviewed).order_by("id").values_list("id", "text")
    return [text for rid, text in rows[:REHEARSAL_POOL] if not is_held_out(rid)][:limit]


def _train_and_store(actor: Any, examples: list[Any], texts: list[str], options: Any) -> NerModel:
    # spaCy is imported by the training module: see model_train.
    from anonymizer.engine.training import train_ner

    root = model_dir()
    root.mkdir(parents=True, exist_ok=True)
    scratch = root / f".training-{uuid.uuid4().hex}"
    try:
        trained = train_ner(examples, output_dir=scratch, rehearsal_texts=texts, options=options)
        with transaction.atomic():
            existing = NerModel.objects.filter(sha256=trained.sha256).first()
            if existing is not None:
                audit_log(actor=actor, action="nermodel.reused", target=existing,
                          payload={"version": existing.version, "sha256": existing.sha256})
                return existing
            version = (NerModel.objects.select_for_update().aggregate(v=Max("version"))["v"]
                       or 0) + 1
            final = root / f"ner-v{version}-{trained.sha256[:12]}"
            if final.exists():  # left by another database: same digest, same contents
                shutil.rmtree(scratch)
            else:
                scratch.rename(final)
            model = NerModel.objects.create(
                version=version, path=str(final.resolve()), sha256=trained.sha256,
                summary=trained.summary.to_dict(), base_model=trained.summary.base_model,
                created_by=actor,
            )
            audit_log(actor=actor, action="nermodel.created", target=model, payload={
                "version": version, "sha256": trained.sha256, **_counts(model.summary),
            })
            return model
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _counts(summary: dict[str, Any]) -> dict[str, Any]:
    keys = ("documents", "entities", "epochs_run", "best_epoch", "dev_f_before", "dev_f_after")
    return {k: summary.get(k) for k in keys}


def _draft_naming(actor: Any, active: RuleSet, model: NerModel, training: int) -> RuleSet:
    with transaction.atomic():
        draft = ruleset_create_draft(
            actor=actor, based_on=active,
            notes=f"Candidate NER model v{model.version} trained on {training} reviewed records.",
        )
        config = {**dict(active.config), "ner_model_path": model.path,
                  "ner_model_sha256": model.sha256}
        return ruleset_update_draft(actor=actor, ruleset=draft, config=config,
                                    notes=draft.notes, validation_sample_rate=0.05)
