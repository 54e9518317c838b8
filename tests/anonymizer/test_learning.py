"""Corrections made through the review services become training data and a candidate rule
set, evaluated on held-out records before an officer may activate it."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from anonymizer.batches import services
from anonymizer.detection import services as detection
from anonymizer.exports.selectors import export_dir
from anonymizer.models import RuleSet
from anonymizer.policies.selectors import default_policy
from anonymizer.rulesets import services as rulesets
from anonymizer.rulesets.learning import corrections, is_held_out, reviewed_items, shape
from anonymizer.rulesets.selectors import ruleset_active
from anonymizer.rulesets.services import retrain_round
from audit.models import AuditEvent
from review import services as review
from tests.inline_jobs import run_detection

pytestmark = pytest.mark.django_db

# An organisation-specific identifier the built-in rules do not know by type: "KV-" and five
# digits (they flag it as a generic identifier).
WIDGET = re.compile(r"KV-\d{5}")


def tickets(n: int) -> bytes:
    lines = [
        json.dumps(
            {
                "id": f"w{i}",
                "text": f"Widget KV-{10000 + i * 7} broke again, "
                f"please call me at +44 20 7946 {1000 + i:04d}.",
            }
        )
        for i in range(n)
    ]
    return "\n".join(lines).encode()


def review_everything(reviewer: Any) -> None:
    """A reviewer accepts the machine's spans, gives every widget id its type, and adds the
    widget ids the machine missed."""
    while (item := review.queue_next(reviewer=reviewer)) is not None:
        text = item.record.text
        for m in WIDGET.finditer(text):
            found = item.spans.filter(start=m.start(), end=m.end()).first()
            if found is not None and found.label != "DEVICE_SERIAL":
                item = review.span_relabel(
                    actor=reviewer, item=item, version=item.version, span_id=found.pk,
                    label="DEVICE_SERIAL",
                )
            elif not item.spans.filter(start__lte=m.start(), end__gte=m.end()).exists():
                item = review.span_add(
                    actor=reviewer,
                    item=item,
                    version=item.version,
                    start=m.start(),
                    end=m.end(),
                    label="DEVICE_SERIAL",
                )
        item = review.spans_accept_all(actor=reviewer, item=item, version=item.version)
        review.item_submit(actor=reviewer, item=item, version=item.version)


@pytest.fixture
def reviewed(admin_user: Any, reviewer: Any) -> Any:
    batch = services.batch_import(
        actor=admin_user,
        data=tickets(40),
        name="widgets",
        data_class="personal",
        purpose="external_sharing",
        source_format="jsonl",
    )
    services.batch_assign_reviewers(actor=admin_user, batch=batch, reviewers=[reviewer])
    run = detection.detection_start(actor=admin_user, batch=batch)
    run_detection(run)
    review_everything(reviewer)
    return batch


def test_shape_of_a_string() -> None:
    assert shape("KV-12345") == r"[A-Z]{2}\-\d{5}"
    assert shape("ab 12") == r"[a-z]{2}\s+\d{2}"


def test_review_decisions_are_audited_without_text(reviewed: Any) -> None:
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"batch.imported", "detection.started", "detection.finished"} <= actions
    decision_events = AuditEvent.objects.filter(action__startswith="review.")
    assert decision_events.count() >= 40
    trail = json.dumps([e.payload for e in AuditEvent.objects.all()])
    assert "KV-1" not in trail and "7946" not in trail and "Widget" not in trail


def test_corrections_and_training_data(reviewed: Any, tmp_path: Path) -> None:
    found = corrections(reviewed_items())
    # The rules flag the widget ids as generic identifiers; reviewers give them their type.
    assert {(c.kind, c.label) for c in found} == {("type_correction", "DEVICE_SERIAL")}
    assert len(found) >= 30  # the widget ids the rules did not type
    out = tmp_path / "gold.jsonl"
    stdout = StringIO()
    call_command("export_corrections", "--format", "jsonl", "--output", str(out), stdout=stdout)
    docs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(docs) == 40 and f"type_correction {len(found)}" in stdout.getvalue()
    for doc in docs:  # the gold covers the widget id and holds the accepted phone number
        widget = WIDGET.search(doc["text"])
        assert widget is not None
        assert any(s["start"] <= widget.start() and s["end"] >= widget.end() for s in doc["spans"])
        assert any(s["label"] == "PHONE_NUMBER" for s in doc["spans"])
    spacy_out = tmp_path / "gold.spacy"
    call_command(
        "export_corrections", "--format", "spacy", "--output", str(spacy_out), stdout=StringIO()
    )
    import spacy
    from spacy.tokens import DocBin

    nlp = spacy.blank("en")
    loaded = list(DocBin().from_disk(spacy_out).get_docs(nlp.vocab))
    assert len(loaded) == 40 and all(d.ents for d in loaded)


def test_a_retraining_round_makes_an_evaluated_candidate(reviewed: Any, officer: Any) -> None:
    candidate = retrain_round(actor=officer)
    assert candidate.status == "draft"
    assert [p["regex"] for p in candidate.proposals] == [r"\b[A-Z]{2}\-\d{5}\b"]
    evaluation = candidate.evaluations.get()
    held = sum(1 for r in reviewed.records.all() if is_held_out(r.id))
    assert evaluation.held_out_records == held and evaluation.training_records == 40 - held
    assert evaluation.report["candidate"]["leak_rate"] <= evaluation.report["baseline"]["leak_rate"]
    # The officer confirms the proposed pattern; it is now part of the draft's config.
    from anonymizer.rulesets.services import proposal_confirm

    proposal_confirm(actor=officer, ruleset=candidate, index=0)
    candidate.refresh_from_db()
    assert candidate.config["patterns"][-1]["label"] == "DEVICE_SERIAL"
    assert AuditEvent.objects.filter(action="ruleset.evaluated").exists()


def test_activation_of_a_worse_candidate_needs_a_written_override(
    reviewed: Any, officer: Any, make_user: Any
) -> None:
    active = ruleset_active()
    worse = rulesets.ruleset_create_draft(actor=officer, based_on=active)
    config = dict(worse.config)
    config["ner_entities"] = []  # drops every NER type: names and places go undetected
    config["name_gazetteer"] = False
    rulesets.ruleset_update_draft(
        actor=officer, ruleset=worse, config=config, notes="worse", validation_sample_rate=0
    )
    from anonymizer.models import RuleSetEvaluation
    from anonymizer.rulesets.evaluation import evaluate_rulesets, regressions
    from anonymizer.rulesets.learning import gold_spans

    items = reviewed_items()
    report = evaluate_rulesets(worse, active, gold_spans(items))
    evaluation = rulesets.evaluation_store(
        actor=officer, draft=worse, baseline=active, report=report,
        found=regressions(report) or ["PHONE_NUMBER"], held=40, train=0,
    )
    assert evaluation.regressions and isinstance(evaluation, RuleSetEvaluation)
    other = make_user("olga_officer", "privacy_officer")  # four eyes: not the draft's editor
    with pytest.raises(rulesets.RuleSetError, match="worse than the active rule set"):
        rulesets.ruleset_activate(actor=other, ruleset=worse)
    rulesets.ruleset_activate(
        actor=other, ruleset=worse, override_reason="Accepted for the pilot, reviewed by DPO"
    )
    event = AuditEvent.objects.filter(action="ruleset.activated").latest("seq")
    assert event.payload["override_reason"] == "Accepted for the pilot, reviewed by DPO"
    assert RuleSet.objects.get(pk=worse.pk).status == "active"


def test_reviewed_records_export_with_precision_from_decisions(
    reviewed: Any, admin_user: Any, tmp_path: Path, settings: Any
) -> None:
    from anonymizer.exports import services as export

    settings.VEIL_EXPORT_DIR = tmp_path
    ex = export.run_export(
        export.export_start(
            actor=admin_user, batch=reviewed, policy=default_policy(), enqueue=False
        ).pk
    )
    review_facts = ex.manifest["review"]
    assert (
        review_facts["reviewed_by_person"] == 40 and review_facts["share_reviewed_by_person"] == 1
    )
    assert review_facts["precision_from_decisions"] == 1.0  # the reviewer kept every machine span
    text = (export_dir(ex) / "records.jsonl").read_text()
    assert not WIDGET.search(text) and "7946" not in text  # added spans are transformed too


def test_the_officer_sees_the_evaluation_and_activates_the_candidate(
    reviewed: Any, officer: Any, make_user: Any
) -> None:
    from django.test import Client

    candidate = retrain_round(actor=officer)
    client = Client()
    client.force_login(officer)
    page = client.get(f"/rulesets/{candidate.version}/").content.decode()
    assert 'id="evaluation"' in page and "held-out reviewed records" in page
    assert "Leak rate: candidate" in page and "Confirm" in page  # the proposed pattern
    # Four eyes: the officer who started the round built the candidate; another activates it.
    client.force_login(make_user("olga_officer", "privacy_officer"))
    response = client.post(f"/rulesets/{candidate.version}/activate/")
    assert response.status_code == 302
    candidate.refresh_from_db()
    assert candidate.status == "active"
