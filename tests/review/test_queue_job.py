"""The job that builds a finished run's review queue, and the low-tier sample it draws."""

from __future__ import annotations

import hashlib
import logging
import math
from typing import Any

import pytest

from review import jobs
from review.models import ReviewItem
from tests.review.factories import detect, make_batch

pytestmark = pytest.mark.django_db


def test_the_job_builds_the_queue_and_returns_the_counts(
    admin_user: Any, reviewer: Any, settings: Any
) -> None:
    settings.VEIL_LOW_TIER_SAMPLE_RATE = 0.25
    batch = make_batch(admin_user, [reviewer], [f"ticket {i}" for i in range(12)])
    run = detect(batch, [("high", [])] * 2 + [("low", [])] * 10, prepare=False)
    counts = jobs.queue_prepare_for_run(run.pk)
    assert counts == {"queued": 5, "sampled": 3, "auto_cleared": 7}
    assert ReviewItem.objects.filter(batch=batch).count() == 5
    assert jobs.queue_prepare_for_run(run.pk) == {"queued": 0, "sampled": 0, "auto_cleared": 0}


def test_a_failure_is_recorded_by_its_class_only(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(**_: Any) -> None:
        raise ValueError("Jane Roe, 12 Acacia Avenue")  # as if the message quoted a record

    monkeypatch.setattr("review.services.queue_prepare_for_run", fail)
    with caplog.at_level(logging.ERROR), pytest.raises(jobs.JobFailed) as raised:
        jobs.queue_prepare_for_run(7)
    assert str(raised.value) == "ValueError"
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert "ValueError" in caplog.text and "Jane" not in caplog.text


def test_the_sample_is_the_same_records_as_a_sha256_ranking(admin_user: Any, reviewer: Any) -> None:
    batch = make_batch(admin_user, [reviewer], [f"ticket number {i}" for i in range(120)])
    run = detect(batch, [("low", [])] * 120, sample_rate=0.1)
    records = list(batch.records.values_list("id", flat=True))
    ranked = sorted(
        records,
        key=lambda rid: hashlib.sha256(f"veil-low-tier-sample:{run.pk}:{rid}".encode()).digest(),
    )
    expected = set(ranked[: math.ceil(0.1 * len(records))])
    sampled = set(ReviewItem.objects.filter(batch=batch, sampled=True).values_list("record_id"))
    assert {rid for (rid,) in sampled} == expected
