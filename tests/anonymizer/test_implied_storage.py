"""The implied-identifier layer is stored with the detections under it: a phrase may start
where a detection starts ("[[79] years old]") and phrases may overlap each other; a detection
run over such text succeeds, keeps every phrase once, and the record exports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from anonymizer.batches import services
from anonymizer.detection import services as detection
from anonymizer.exports import services as export
from anonymizer.exports.selectors import export_dir
from anonymizer.models import DetectedSpan, DetectionRun, Policy, Record
from tests.inline_jobs import run_detection

pytestmark = pytest.mark.django_db

TICKETS = (
    '{"id": "a", "text": "hi my dad is 79 years old and the router keeps dropping"}\n'
    '{"id": "b", "text": "The applicant is a Russian national of Chechen origin who was born in '
    '1983 and lives in Grozny."}\n'
)


def test_a_phrase_starting_at_a_detection_is_stored_and_exported(
    admin_user: Any, tmp_path: Path, settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    batch = services.batch_import(actor=admin_user, data=TICKETS.encode(), name="implied",
                                  data_class="personal", purpose="theme_analysis",
                                  source_format="jsonl")
    run = detection.detection_start(actor=admin_user, batch=batch)
    run_detection(run)
    run.refresh_from_db()
    assert run.status == DetectionRun.Status.DONE
    a = Record.objects.get(batch=batch, external_id="a")
    at_start = {(s.label, a.text[s.start:s.end])
                for s in DetectedSpan.objects.filter(record=a, start=a.text.index("79"))}
    assert at_start == {("AGE", "79"), ("QUASI_AGE", "79 years old")}
    b = Record.objects.get(batch=batch, external_id="b")
    phrases = [(s.start, s.end) for s in DetectedSpan.objects.filter(
        record=b, label__startswith="QUASI_")]
    assert any(p != q and p[0] < q[1] and q[0] < p[1] for p in phrases for q in phrases)
    assert len(phrases) == len(set(phrases))
    # what the storage still refuses: two detections at one start, and one phrase twice
    first = DetectedSpan.objects.filter(record=a, label="AGE").first()
    assert first is not None
    for label, end in (("PERSON", first.end + 1), ("QUASI_AGE", a.text.index("old") + 3)):
        with pytest.raises(IntegrityError), transaction.atomic():
            DetectedSpan.objects.create(record=a, run=first.run, start=first.start, end=end,
                                        label=label, score=0.5, recognizer="t",
                                        ruleset_version=first.ruleset_version)
    Record.objects.filter(batch=batch).update(status="reviewed")
    started = export.export_start(actor=admin_user, batch=batch, enqueue=False,
                                  policy=Policy.objects.get(name="default",
                                                            status=Policy.Status.APPROVED))
    done = export.run_export(started.pk)
    texts = [json.loads(line)["text"]
             for line in (export_dir(done) / "records.jsonl").read_text().splitlines()]
    assert texts and not any("79" in t or "1983" in t or "Grozny" in t for t in texts)


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_every_fixture_text_goes_through_the_stored_detection_path(admin_user: Any) -> None:
    # The labelled sets hold the phrasings the detectors were written for (implied phrases
    # over detections, phrases over phrases, signature blocks): each chunk must store.
    from anonymizer.engine.quasi_synth import read_markup

    texts = [json.loads(line)["text"] for line in
             (FIXTURES / "tickets.jsonl").read_text(encoding="utf-8").splitlines() if line]
    for path in sorted((FIXTURES / "quasi").glob("*.txt")):
        with path.open(encoding="utf-8") as handle:
            texts += [doc["text"] for doc in read_markup(handle)]
    data = "".join(json.dumps({"id": f"t{i}", "text": t}) + "\n" for i, t in enumerate(texts))
    batch = services.batch_import(actor=admin_user, data=data.encode(), name="all fixtures",
                                  data_class="personal", purpose="theme_analysis",
                                  source_format="jsonl")
    run = detection.detection_start(actor=admin_user, batch=batch)
    run_detection(run)
    run.refresh_from_db()
    assert run.status == DetectionRun.Status.DONE, list(
        run.chunks.exclude(status="done").values_list("error", flat=True))
    assert len(texts) > 400 and run.record_count == len(texts)
    assert DetectedSpan.objects.filter(run=run, label__startswith="QUASI_").count() > 300
