"""How long the home page takes per role on a larger database (not part of the suite: run it
by path). Prints the data's size, the queries and the median time of 5 requests per role.

  SECRET_KEY=t VEIL_DEV=1 scripts/with-test-services.sh .venv/bin/python -m pytest \\
      tests/dashboards/bench_home.py -q -p no:cacheprovider -s
"""

from __future__ import annotations

import os
import statistics
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anonymizer.models import DetectedSpan, Record, RiskAssessment
from review.models import Decision, ReviewItem, ReviewSpan
from tests.dashboards import builders as b
from tests.review.factories import detect, make_batch

pytestmark = pytest.mark.django_db

BATCHES = int(os.environ.get("BENCH_BATCHES", "100"))
RECORDS = int(os.environ.get("BENCH_RECORDS", "500"))  # per batch
REVIEWED = int(os.environ.get("BENCH_REVIEWED", "300"))
EXTRA_DECISIONS = int(os.environ.get("BENCH_DECISIONS", "500000"))
TIERS = ("high", "medium", "medium", "low", "low", "low", "low", "low", "low", "low")


def build(admin: Any, reviewer: Any, officer: Any) -> None:
    for i in range(BATCHES):
        batch = make_batch(admin, [reviewer], [b.TEXT] * RECORDS, name=f"Batch {i}")
        detect(batch, [(TIERS[j % 10], [b.JANE, b.ORDER]) for j in range(RECORDS)],
               sample_rate=0.02)
        b.dp_releases(batch, [0.5], total=3.0)
    for n in range(REVIEWED):
        item = b.take(reviewer)
        if n % 6 == 0:
            b.reject(reviewer, item, "ORDER_ID")
            if n % 12 == 0:
                item = b.officer_take(officer, b.escalate(reviewer, item))
                b.resolve(officer, item)
                continue
        b.submit(reviewer, item)
    # Other people's history, spread over the records (as auto-clear writes one per record).
    ids = list(Record.objects.values_list("id", flat=True))
    Decision.objects.bulk_create(
        (Decision(record_id=ids[i % len(ids)], actor=None, action="auto_clear", version=0)
         for i in range(EXTRA_DECISIONS)),
        batch_size=10000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(user: Any) -> tuple[int, float, list[str]]:
    client = Client()
    client.force_login(user)
    client.get(reverse("home"))
    times = []
    for _ in range(5):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            assert client.get(reverse("home")).status_code == 200
            times.append(time.perf_counter() - start)
    slowest = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:2]
    return len(captured), statistics.median(times), [
        f"{float(q['time']) * 1000:.0f} ms {q['sql'][:90]}" for q in slowest
    ]


def test_home_timing(admin_user: Any, reviewer: Any, officer: Any) -> None:
    started = time.perf_counter()
    build(admin_user, reviewer, officer)
    print(f"\nbuilt in {time.perf_counter() - started:.0f} s: {BATCHES} batches, "
          f"{Record.objects.count()} records, {DetectedSpan.objects.count()} spans, "
          f"{RiskAssessment.objects.count()} risk rows, {ReviewItem.objects.count()} review "
          f"items, {ReviewSpan.objects.count()} review spans, {Decision.objects.count()} "
          "decisions")
    for name, user in (("reviewer", reviewer), ("officer", officer), ("admin", admin_user)):
        queries, median, slowest = timed(user)
        print(f"home as {name}: {queries} queries, median {median * 1000:.0f} ms; slowest:")
        print("\n".join(f"    {line}" for line in slowest))
