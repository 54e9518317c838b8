"""Review hints (PROPER_NOUN) are not detections: an auto-cleared record leaves without them
transformed, while a reviewer who accepts one makes it a span like any other."""

from __future__ import annotations

import json
from typing import Any

import pytest

from anonymizer.exports import services as export
from anonymizer.exports.selectors import export_dir, final_spans
from anonymizer.models import Record
from anonymizer.policies.selectors import default_policy
from review import services as review
from tests.review.factories import detect, make_batch, span_at

pytestmark = pytest.mark.django_db

TEXT = "Marigold Quenby asked about the Tessaly plan."


def test_a_hint_is_not_exported_as_a_detection(
    admin_user: Any, reviewer: Any, settings: Any, tmp_path: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    batch = make_batch(admin_user, [reviewer], [TEXT])
    person = span_at(TEXT, "Marigold Quenby", "PERSON", 0.95)
    hint = span_at(TEXT, "Tessaly", "PROPER_NOUN", 0.3)
    detect(batch, [("low", [person, hint])], sample_rate=0.0)
    record = Record.objects.get(batch=batch)
    assert record.status == Record.Status.AUTO_CLEARED
    assert [s.label for s in final_spans(batch, [record.pk])[record.pk]] == ["PERSON"]
    done = export.run_export(
        export.export_start(
            actor=admin_user, batch=batch, policy=default_policy(), enqueue=False
        ).pk
    )
    line = json.loads((export_dir(done) / "records.jsonl").read_text().splitlines()[0])
    assert "Marigold" not in line["text"] and "Tessaly" in line["text"]


def test_a_hint_a_reviewer_accepts_is_exported(admin_user: Any, reviewer: Any) -> None:
    batch = make_batch(admin_user, [reviewer], [TEXT])
    hint = span_at(TEXT, "Tessaly", "PROPER_NOUN", 0.3)
    detect(batch, [("medium", [hint])])
    item = review.queue_next(reviewer=reviewer)
    item = review.spans_accept_all(actor=reviewer, item=item, version=item.version)
    review.item_submit(actor=reviewer, item=item, version=item.version)
    spans = final_spans(batch, [item.record_id])[item.record_id]
    assert [(TEXT[s.start : s.end], s.label) for s in spans] == [("Tessaly", "PROPER_NOUN")]
