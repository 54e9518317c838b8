"""Detection jobs called directly (real spaCy model, real database), and their guarantees."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from anonymizer.batches import services
from anonymizer.detection import jobs
from anonymizer.detection import services as detection
from anonymizer.models import (
    DetectedSpan,
    DetectionChunk,
    DetectionRun,
    Record,
    RiskAssessment,
    RuleSet,
    SourceBatch,
)
from anonymizer.rulesets import services as rulesets
from anonymizer.rulesets.selectors import ruleset_active
from tests.inline_jobs import run_detection

pytestmark = pytest.mark.django_db

TICKETS = (
    '{"id": "a", "text": "Hi, I am Jane Smith, email jane.smith@example.com, order ORD-482913."}\n'
    '{"id": "b", "text": "Card 4111 1111 1111 1111 was charged twice, call +44 20 7946 0958."}\n'
    '{"id": "c", "text": "The app is slow today."}\n'
    '{"id": "d", "text": "My IBAN is GB82 WEST 1234 5698 7654 32 and SSN 078-05-1120."}\n'
    '{"id": "e", "text": "Diagnosed with diabetes, my lawyer will sue. Server 192.168.10.20."}\n'
)


@pytest.fixture
def jbatch(admin_user: Any) -> SourceBatch:
    return services.batch_import(
        actor=admin_user,
        data=TICKETS.encode(),
        name="j",
        data_class="personal",
        purpose="theme_analysis",
        source_format="jsonl",
    )


def run_all(run: DetectionRun) -> None:
    run_detection(run)


def test_a_run_splits_the_batch_into_chunks(jbatch: SourceBatch, admin_user: Any) -> None:
    run = detection.detection_start(actor=admin_user, batch=jbatch, chunk_size=2)
    assert run.chunk_count == 3 and run.record_count == 5
    assert list(run.chunks.values_list("first_position", "last_position", "record_count")) == [
        (1, 2, 2),
        (3, 4, 2),
        (5, 5, 1),
    ]
    assert detection.detection_start(actor=admin_user, batch=jbatch) == run  # one at a time
    jbatch.refresh_from_db()
    assert jbatch.status == "detecting" and jbatch.current_run == run


def test_chunks_store_spans_with_provenance_and_tiers_with_reasons(
    jbatch: SourceBatch, admin_user: Any
) -> None:
    run = detection.detection_start(actor=admin_user, batch=jbatch, chunk_size=2)
    run_all(run)
    run.refresh_from_db()
    jbatch.refresh_from_db()
    assert run.status == "done" and jbatch.status == "detected"
    a = Record.objects.get(batch=jbatch, external_id="a")
    labels = {(a.text[s.start : s.end], s.label) for s in a.spans.all()}
    assert ("jane.smith@example.com", "EMAIL_ADDRESS") in labels
    assert any(label == "PERSON" and "Jane Smith" in text for text, label in labels)
    assert any("ORD-482913" in text for text, _ in labels)
    for span in DetectedSpan.objects.filter(run=run):
        assert span.ruleset_version == run.ruleset.version and span.recognizer
    b = Record.objects.get(batch=jbatch, external_id="b")
    card = b.spans.get(label="CREDIT_CARD")
    assert card.validated is True
    risks = {r.record.external_id: r for r in RiskAssessment.objects.filter(run=run)}
    assert set(risks) == {"a", "b", "c", "d", "e"}
    assert risks["c"].tier == "low" and risks["c"].span_count == 0
    codes_e = {t["code"] for t in risks["e"].triggers}
    assert codes_e & {"health_context", "legal_context"}
    for risk in risks.values():
        for trigger in risk.triggers:  # evidence is offsets and counts, never text
            assert "diabetes" not in str(trigger["detail"]) and "Jane" not in str(trigger["detail"])
    # Low tier: auto-cleared, or sampled into the review queue as a check.
    assert Record.objects.get(batch=jbatch, external_id="c").status in (
        "auto_cleared",
        "needs_review",
    )
    assert Record.objects.get(batch=jbatch, external_id="e").status == "needs_review"


def test_regulated_data_is_always_high(admin_user: Any) -> None:
    batch = services.batch_import(
        actor=admin_user,
        data=b"nothing to see here\n",
        name="r",
        data_class="regulated",
        purpose="theme_analysis",
        source_format="text_lines",
    )
    run_all(detection.detection_start(actor=admin_user, batch=batch))
    risk = RiskAssessment.objects.get(record__batch=batch)
    assert risk.tier == "high" and "data_class" in {t["code"] for t in risk.triggers}


def test_running_a_chunk_twice_leaves_exactly_one_set_of_spans(
    jbatch: SourceBatch, admin_user: Any
) -> None:
    run = detection.detection_start(actor=admin_user, batch=jbatch, chunk_size=10)
    chunk_id = run.chunks.get().id
    jobs.detect_chunk(chunk_id)
    first = sorted(
        DetectedSpan.objects.filter(run=run).values_list("record_id", "start", "end", "label")
    )
    assert jobs.detect_chunk(chunk_id) is None  # done: nothing to claim
    jobs.detect_chunk(chunk_id, force=True)  # forced re-run replaces, never adds
    again = sorted(
        DetectedSpan.objects.filter(run=run).values_list("record_id", "start", "end", "label")
    )
    assert again == first and len(first) > 0
    assert RiskAssessment.objects.filter(run=run).count() == 5


def test_a_chunk_held_by_a_live_worker_is_not_taken(jbatch: SourceBatch, admin_user: Any) -> None:
    run = detection.detection_start(actor=admin_user, batch=jbatch, chunk_size=10)
    chunk = run.chunks.get()
    assert detection.chunk_claim(chunk.id, worker="w1")
    assert not detection.chunk_claim(chunk.id, worker="w2")
    # The first worker dies: once its lease expires the chunk is given out again.
    DetectionChunk.objects.filter(pk=chunk.pk).update(
        lease_expires_at=timezone.now() - timedelta(1)
    )
    assert detection.chunk_claim(chunk.id, worker="w2")
    # A worker that lost its lease cannot store its output.
    detection._store_chunk(chunk, worker="w1", record_ids=[], spans=[], risks=[])
    chunk.refresh_from_db()
    assert chunk.status == "running" and chunk.worker == "w2"


def test_failures_are_recorded_without_text_and_can_be_retried(
    jbatch: SourceBatch, admin_user: Any, officer: Any, settings: Any
) -> None:
    settings.VEIL_DETECTION_MAX_ATTEMPTS = 1
    run = detection.detection_start(actor=admin_user, batch=jbatch, chunk_size=10)
    RuleSet.objects.filter(pk=run.ruleset_id).update(config={"patterns": "not a list"})
    jobs.detect_chunk(run.chunks.get().id)
    run.refresh_from_db()
    chunk = run.chunks.get()
    assert run.status == "failed" and chunk.status == "failed"
    assert chunk.error and "Jane" not in chunk.error and "example.com" not in chunk.error
    jbatch.refresh_from_db()
    assert jbatch.status == "detection_failed"

    active = RuleSet.objects.get(pk=run.ruleset_id)
    from anonymizer.engine.ruleset import default_ruleset_config

    RuleSet.objects.filter(pk=active.pk).update(config=default_ruleset_config().to_dict())
    assert detection.run_retry_failed(actor=admin_user, run=run) == 1
    jobs.detect_chunk(chunk.id)
    run.refresh_from_db()
    assert run.status == "done" and DetectedSpan.objects.filter(run=run).exists()


def test_a_new_rule_set_version_is_stamped_on_spans_and_samples_for_validation(
    jbatch: SourceBatch, admin_user: Any, officer: Any, make_user: Any
) -> None:
    v1 = ruleset_active()
    draft = rulesets.ruleset_create_draft(actor=officer, based_on=v1)
    rulesets.ruleset_update_draft(
        actor=officer,
        ruleset=draft,
        config=draft.config,
        notes="sample all",
        validation_sample_rate=1.0,
    )
    # Four eyes: another officer activates the unevaluated draft, with a written override.
    rulesets.ruleset_activate(
        actor=make_user("olga_officer", "privacy_officer"), ruleset=draft,
        override_reason="Same rules, every record sampled for validation",
    )
    v1.refresh_from_db()
    assert v1.status == "retired"
    run = detection.detection_start(actor=admin_user, batch=jbatch)
    run_all(run)
    assert set(DetectedSpan.objects.filter(run=run).values_list("ruleset_version", flat=True)) == {
        draft.version
    }
    for risk in RiskAssessment.objects.filter(run=run):
        assert "validation_sample" in {t["code"] for t in risk.triggers}
        assert risk.tier != "low"


def test_active_rule_sets_cannot_be_edited(officer: Any) -> None:
    active = ruleset_active()
    with pytest.raises(rulesets.RuleSetError, match="Only a draft"):
        rulesets.ruleset_update_draft(
            actor=officer, ruleset=active, config=active.config, notes="", validation_sample_rate=0
        )
    draft = rulesets.ruleset_create_draft(actor=officer, based_on=active)
    with pytest.raises(rulesets.RuleSetError, match="invalid"):
        rulesets.ruleset_update_draft(
            actor=officer,
            ruleset=draft,
            config={"patterns": "nope"},
            notes="",
            validation_sample_rate=0,
        )
