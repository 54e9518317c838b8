"""The model learns too: reviewed records train a candidate NER model, stored as a versioned
artefact that a draft rule set names; the draft is evaluated, activation keeps the regression
gate, and detection under the activated rule set loads the fine-tuned model."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from anonymizer.batches import services
from anonymizer.detection import services as detection
from anonymizer.engine.modeldir import model_dir_sha256
from anonymizer.models import DetectedSpan, NerModel, RuleSet
from anonymizer.rulesets import services as rulesets
from anonymizer.rulesets import training
from anonymizer.rulesets.selectors import ruleset_active
from audit.models import AuditEvent
from review import services as review
from tests.inline_jobs import run_detection

pytestmark = pytest.mark.django_db

NAMES = ("cleophas oyugi", "cayadi nkirote", "mutie ndolo")
TEMPLATES = (
    "please ask {n} to ring back about the refund, ticket +44 20 7946 {i:04d}.",
    "the parcel for {n} never came, my number is +44 20 7946 {i:04d}.",
    "{n} is the account holder, phone +44 20 7946 {i:04d}.",
    "my neighbour {n} took the delivery, ring +44 20 7946 {i:04d}.",
    "can {n} collect the order tomorrow? +44 20 7946 {i:04d}",
)
PROBE = "the refund for cleophas oyugi never arrived, ring +44 20 7946 0999."
TINY = {"epochs": 4, "synthetic": 8, "rehearsal": 8}


def _import(admin: Any, reviewer: Any, lines: list[str], name: str) -> Any:
    payload = "\n".join(json.dumps({"id": f"n{i}", "text": t}) for i, t in enumerate(lines))
    batch = services.batch_import(
        actor=admin, data=payload.encode(), name=name, data_class="personal",
        purpose="external_sharing", source_format="jsonl",
    )
    services.batch_assign_reviewers(actor=admin, batch=batch, reviewers=[reviewer])
    run_detection(detection.detection_start(actor=admin, batch=batch))
    return batch


def _review_names(reviewer: Any) -> int:
    """A reviewer rejects the review hints on a name (candidates, not a type), adds every
    missed name as PERSON and accepts the machine's other spans."""
    count = 0
    while (item := review.queue_next(reviewer=reviewer)) is not None:
        for name in NAMES:
            at = item.record.text.find(name)
            overlapping = item.spans.filter(start__lt=at + len(name), end__gt=at)
            for hint in [s for s in overlapping if s.label == "PROPER_NOUN"] if at >= 0 else []:
                item = review.span_reject(actor=reviewer, item=item, version=item.version,
                                          span_id=hint.pk)
            if at >= 0 and not overlapping.exclude(status="rejected").exists():
                item = review.span_add(actor=reviewer, item=item, version=item.version,
                                       start=at, end=at + len(name), label="PERSON")
        item = review.spans_accept_all(actor=reviewer, item=item, version=item.version)
        review.item_submit(actor=reviewer, item=item, version=item.version)
        count += 1
    return count


@pytest.fixture
def reviewed(admin_user: Any, reviewer: Any, settings: Any, tmp_path: Path) -> int:
    settings.VEIL_MODEL_DIR = tmp_path / "models"
    lines = [
        TEMPLATES[i % len(TEMPLATES)].format(n=NAMES[i % len(NAMES)], i=i) for i in range(30)
    ]
    _import(admin_user, reviewer, lines, "names")
    return _review_names(reviewer)


def _probe_persons(admin: Any, reviewer: Any, name: str) -> list[tuple[str, str]]:
    batch = _import(admin, reviewer, [PROBE], name)
    record = batch.records.get()
    spans = DetectedSpan.objects.filter(record=record, run=batch.detection_runs.first())
    return [(PROBE[s.start:s.end], s.recognizer) for s in spans if s.label == "PERSON"]


def test_train_model_stores_a_model_and_an_evaluated_draft(
    reviewed: int, officer: Any, tmp_path: Path
) -> None:
    assert reviewed >= 10
    dev = tmp_path / "dev.jsonl"
    dev.write_text(json.dumps({"id": "d1", "text": PROBE, "spans": [
        {"start": 15, "end": 29, "label": "PERSON"}]}) + "\n", encoding="utf-8")
    out = StringIO()
    call_command("train_model", "--epochs", "4", "--synthetic", "8", "--rehearsal", "8",
                 "--user", officer.username, "--dev", str(dev), stdout=out)
    model = NerModel.objects.get()
    assert Path(model.path).is_dir() and model.sha256 == model_dir_sha256(model.path)
    assert model.status == NerModel.Status.CANDIDATE and model.created_by == officer
    assert model.summary["documents"]["corrections"] >= 5
    assert model.summary["documents"]["synthetic"] == 8
    draft = RuleSet.objects.get(status=RuleSet.Status.DRAFT)
    assert draft.config["ner_model_path"] == model.path
    assert draft.config["ner_model_sha256"] == model.sha256
    evaluation = draft.evaluations.get()
    assert evaluation.held_out_records >= 1 and evaluation.training_records >= 5
    assert {"candidate", "baseline"} <= set(evaluation.report)
    assert evaluation.report["external_dev"]["documents"] == 1
    assert "external dev: leak" in out.getvalue()
    assert f"NER model v{model.version}" in out.getvalue()
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", flat=True))
    for action in ("nermodel.training_started", "nermodel.created", "ruleset.draft_created",
                   "ruleset.evaluated"):
        assert action in actions
    trail = json.dumps(list(AuditEvent.objects.values_list("payload", flat=True)))
    for name in NAMES:
        assert name not in trail and name.split()[1] not in json.dumps(model.summary)


def test_activation_keeps_the_gate_and_detection_loads_the_model(
    reviewed: int, admin_user: Any, reviewer: Any, officer: Any, make_user: Any
) -> None:
    assert (PROBE[15:29], "presidio_spacy") not in _probe_persons(admin_user, reviewer, "before")
    run = training.model_train(actor=officer, **TINY)
    evaluation = run.evaluation
    evaluation.regressions = ["PERSON"]  # as if the candidate recalled names less well
    evaluation.save(update_fields=["regressions"])
    with pytest.raises(rulesets.RuleSetError, match="another privacy officer"):
        rulesets.ruleset_activate(actor=officer, ruleset=run.ruleset,
                                  override_reason="Model accepted for the pilot by the DPO")
    other = make_user("olga_officer", "privacy_officer")  # four eyes: not who trained it
    with pytest.raises(rulesets.RuleSetError, match="written override"):
        rulesets.ruleset_activate(actor=other, ruleset=run.ruleset)
    rulesets.ruleset_activate(actor=other, ruleset=run.ruleset,
                              override_reason="Model accepted for the pilot by the DPO")
    assert ruleset_active().pk == run.ruleset.pk
    training.nermodels_sync_status()
    run.model.refresh_from_db()
    assert run.model.status == NerModel.Status.ACTIVE
    # The worker side: detection under the active rule set loads the fine-tuned model.
    assert (PROBE[15:29], "presidio_spacy") in _probe_persons(admin_user, reviewer, "after")

