"""Detection by the real engine (jobs called directly), then the review queue it builds."""

from __future__ import annotations

from typing import Any

import pytest

from anonymizer.detection import services as detection
from anonymizer.exports.selectors import final_spans
from anonymizer.models import Record
from review import services
from review.models import ReviewItem, ReviewSpan
from tests.inline_jobs import run_detection

pytestmark = pytest.mark.django_db


def test_a_finished_run_fills_the_queue_and_review_feeds_the_export(
    batch: Any, admin_user: Any, reviewer: Any, settings: Any, tmp_path: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    run = detection.detection_start(actor=admin_user, batch=batch, chunk_size=2)
    run_detection(run)
    statuses = dict(Record.objects.filter(batch=batch).values_list("external_id", "status"))
    assert "detected" not in statuses.values()  # every low-tier record sampled or auto-cleared
    queued = set(
        ReviewItem.objects.filter(batch=batch).values_list("record__external_id", flat=True)
    )
    assert "T1" in queued  # a name and an order id
    again = services.queue_prepare_for_run(run_id=run.pk)
    assert again.queued == 0 and again.auto_cleared == 0  # idempotent
    item = services.queue_next(reviewer=reviewer)
    while item is not None and item.record.external_id != "T1":
        item = services.spans_accept_all(actor=reviewer, item=item, version=item.version)
        services.item_submit(actor=reviewer, item=item, version=item.version)
        item = services.queue_next(reviewer=reviewer)
    assert item is not None
    spans = list(ReviewSpan.objects.filter(item=item))
    assert spans and all(s.detected_id for s in spans)
    for span in spans:
        item = services.span_reject(
            actor=reviewer, item=item, version=item.version, span_id=span.pk
        )
    services.item_submit(actor=reviewer, item=item, version=item.version)
    # The export uses the reviewed span set: every span rejected, so the text goes out as is.
    final = final_spans(batch, [item.record_id])
    assert final == {item.record_id: []}
