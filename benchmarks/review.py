"""Review speed: server time of the record page and of every reviewer action, on a large batch.

Loads --records records (default 100k) with about --spans-per-record machine spans each (about
1M spans) into the database with COPY, builds the review queue with the real service, then works
--iterations records through the real views with django.test.Client (htmx requests, as the
page sends them): next record, page, accept, reject, change type, adjust bounds, add a span,
accept all, submit. Query counts of the record page are taken for a record with few spans and
one with many: they must be equal. Baseline in the same run: reading the record and its spans
with one raw SQL query each (the floor any page pays).

Reads DATABASE_URL and REDIS_URL like the app; use PostgreSQL:
    SECRET_KEY=x VEIL_DEV=1 scripts/with-test-services.sh .venv/bin/python benchmarks/review.py
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from _common import bare_batch
from _django import setup

LABELS = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "ORDER_ID", "STREET_ADDRESS", "DATE_TIME")
WORDS = [
    "order", "parcel", "refund", "account", "delivery", "invoice", "support", "ticket", "address",
    "phone", "customer", "payment", "charged", "twice", "missing", "late", "update", "please",
    "thanks", "help", "issue", "login", "password", "device", "app", "crash", "email", "number",
    "card", "bank", "transfer", "week", "month", "yesterday", "today",
]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def make_record(rng: random.Random, words: int, spans: int) -> tuple[str, list[tuple]]:
    """A text of `words` words; `spans` of them (never word 1, kept for "add") are spans."""
    chosen = [rng.choice(WORDS) for _ in range(words)]
    offsets, pos = [], 0
    for w in chosen:
        offsets.append((pos, pos + len(w)))
        pos += len(w) + 1
    picks = sorted(rng.sample([i for i in range(words) if i != 1], spans))
    found = [
        (offsets[i][0], offsets[i][1], LABELS[i % len(LABELS)], round(rng.uniform(0.3, 1.0), 3))
        for i in picks
    ]
    return " ".join(chosen), found


def copy_rows(cursor: Any, sql: str, rows: Any) -> None:
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


LoadedRecord = tuple[str, list[tuple], str]  # text, spans (start, end, label, score), tier

RECORD_COPY = (
    "COPY anonymizer_record (batch_id, position, external_id, text, fields, status,"
    " created_at, updated_at) FROM STDIN"
)
SPAN_COPY = (
    'COPY anonymizer_detectedspan (record_id, run_id, start, "end", label, score,'
    " recognizer, pattern_name, context_word, validated, ruleset_version) FROM STDIN"
)
RISK_COPY = (
    "COPY anonymizer_riskassessment (record_id, run_id, tier, triggers, min_score,"
    " span_count, ruleset_version, created_at) FROM STDIN"
)


def make_records(
    rng: random.Random, n: int, per_record: int, many: int, many_spans: int
) -> list[LoadedRecord]:
    """The first `many` records carry `many_spans` spans and are high tier; the rest carry
    `per_record` spans, a tenth of them high tier, six tenths medium, the rest low."""
    records: list[LoadedRecord] = []
    for i in range(n):
        heavy = i < many
        text, found = make_record(
            rng, many_spans * 2 if heavy else 60, many_spans if heavy else per_record
        )
        tier = "high" if heavy or i % 10 == 0 else ("medium" if i % 10 < 7 else "low")
        records.append((text, found, tier))
    return records


def record_rows(batch_id: int, records: list[LoadedRecord], now: Any) -> Iterator[tuple]:
    for i, (text, _, tier) in enumerate(records):
        status = "detected" if tier == "low" else "needs_review"
        yield (batch_id, i + 1, f"R{i + 1:07d}", text, "{}", status, now, now)


def span_rows(
    ids: list[int], run_id: int, records: list[LoadedRecord], version: int
) -> Iterator[tuple]:
    for rid, (_, found, _) in zip(ids, records, strict=True):
        for s, e, label, score in found:
            yield (rid, run_id, s, e, label, score, "bench", "", "", None, version)


def risk_rows(
    ids: list[int], run_id: int, records: list[LoadedRecord], version: int, now: Any
) -> Iterator[tuple]:
    for rid, (_, found, tier) in zip(ids, records, strict=True):
        yield (rid, run_id, tier, "[]", min(f[3] for f in found), len(found), version, now)


def load(n: int, per_record: int, many: int, many_spans: int, seed: int) -> dict[str, Any]:
    """Batch, run, records, spans and risk assessments, written with COPY (PostgreSQL)."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.db import connection, transaction
    from django.utils import timezone

    # Veil's own modules, likewise: importable only after _django.setup().
    from anonymizer.batches import services
    from anonymizer.models import DetectionRun, Record, SourceBatch
    from anonymizer.rulesets.selectors import ruleset_active

    rng = random.Random(seed)
    admin = services.user_create_with_role(
        username=f"bench_admin_{seed}", password="bench-password-x1", role="admin"
    )
    reviewer = services.user_create_with_role(
        username=f"bench_reviewer_{seed}", password="bench-password-x1", role="reviewer"
    )
    ruleset = ruleset_active()
    now = timezone.now()
    t = time.perf_counter()
    with transaction.atomic():
        batch = bare_batch(
            name="review bench",
            source_format="text_lines",
            record_count=n,
            created_by=admin,
            status=SourceBatch.Status.DETECTED,
        )
        run = DetectionRun.objects.create(
            batch=batch,
            ruleset=ruleset,
            status=DetectionRun.Status.DONE,
            chunk_size=n,
            chunk_count=1,
            record_count=n,
            finished_at=now,
        )
        records = make_records(rng, n, per_record, many, many_spans)
        with connection.cursor() as c:
            copy_rows(c.cursor, RECORD_COPY, record_rows(batch.pk, records, now))
            ids = list(
                Record.objects.filter(batch=batch).order_by("position").values_list("id", flat=True)
            )
            copy_rows(c.cursor, SPAN_COPY, span_rows(ids, run.pk, records, ruleset.version))
            copy_rows(c.cursor, RISK_COPY, risk_rows(ids, run.pk, records, ruleset.version, now))
        SourceBatch.objects.filter(pk=batch.pk).update(current_run=run)
    load_s = time.perf_counter() - t
    with connection.cursor() as c:
        c.execute("ANALYZE")
    services.batch_assign_reviewers(actor=admin, batch=batch, reviewers=[reviewer])
    return {
        "batch": batch,
        "run": run,
        "reviewer": reviewer,
        "admin": admin,
        "spans": sum(len(f) for _, f, _ in records),
        "load_s": load_s,
    }


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[float, Any]:
    t = time.perf_counter()
    result = fn(*args, **kwargs)
    return (time.perf_counter() - t) * 1000, result


def work(client: Any, iterations: int) -> dict[str, list[float]]:
    """Work records through the real views; time every request."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.urls import reverse

    # Veil's own modules, likewise: importable only after _django.setup().
    from review.models import ReviewItem, ReviewSpan

    times: dict[str, list[float]] = defaultdict(list)
    hx = {"HTTP_HX_REQUEST": "true"}
    for _ in range(iterations):
        ms, response = timed(client.post, reverse("review_next"))
        times["next"].append(ms)
        assert response.status_code == 302, response.status_code
        url = response["Location"]
        ms, response = timed(client.get, url)
        times["page"].append(ms)
        assert response.status_code == 200
        item = ReviewItem.objects.select_related("record").get(
            public_id=url.rstrip("/").split("/")[-1]
        )
        act = reverse("review_act", args=[item.public_id])
        spans = list(ReviewSpan.objects.filter(item=item).order_by("start"))
        version = item.version
        words = item.record.text.split(" ")
        add_start = len(words[0]) + 1
        steps = [
            ("accept", {"action": "accept", "span": spans[0].pk}),
            ("reject", {"action": "reject", "span": spans[1].pk}),
            ("relabel", {"action": "relabel", "span": spans[2].pk, "label": "ORGANIZATION"}),
            (
                "adjust",
                {
                    "action": "adjust",
                    "span": spans[3].pk,
                    "start": spans[3].start,
                    "end": max(spans[3].start + 1, spans[3].end - 1),
                },
            ),
            (
                "add",
                {
                    "action": "add",
                    "start": add_start,
                    "end": add_start + len(words[1]),
                    "label": "ID",
                },
            ),
            ("accept_all", {"action": "accept_all"}),
            ("submit", {"action": "submit"}),
        ]
        for name, data in steps:
            ms, response = timed(client.post, act, {**data, "version": version}, **hx)
            assert response.status_code == 200, (name, response.status_code, response.content[:300])
            times[name].append(ms)
            version += 1
    return times


def page_queries(client: Any, batch: Any, reviewer: Any, spans: int) -> tuple[int, float]:
    """Queries and time of the record page for a record with `spans` spans (leased directly)."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django.utils import timezone

    # Veil's own modules, likewise: importable only after _django.setup().
    from review.models import ReviewItem
    from review.queue import grant_lease

    item = (
        ReviewItem.objects.filter(batch=batch, state="open", holder__isnull=True)
        .annotate(n=Count("record__spans"))
        .filter(n=spans)
        .first()
    )
    assert item is not None, f"no open record with {spans} spans"
    grant_lease(item, reviewer, timezone.now())
    url = reverse("review_record", args=[item.public_id])
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        ms, response = timed(client.get, url)
    assert response.status_code == 200
    return len(ctx.captured_queries), ms


def record_pages(client: Any, data: dict[str, Any], few: int, many: int) -> dict[str, Any]:
    """Queries and time of the record page with `few` spans and with `many` spans."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from review.models import ReviewItem

    few_q, few_ms = page_queries(client, data["batch"], data["reviewer"], few)
    many_q, many_ms = page_queries(client, data["batch"], data["reviewer"], many)
    # Release those two leases (the reviewer would otherwise resume them).
    ReviewItem.objects.filter(holder=data["reviewer"]).update(holder=None, lease_expires_at=None)
    print(
        f"record page: {few_q} queries with {few} spans ({few_ms:.1f} ms), "
        f"{many_q} with {many} spans ({many_ms:.1f} ms)",
        flush=True,
    )
    return {"few_q": few_q, "few_ms": few_ms, "many_q": many_q, "many_ms": many_ms}


def baseline(batch: Any, samples: int = 200) -> list[float]:
    """The floor: the record and its spans read with one raw query each."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.db import connection

    ids = list(batch.records.order_by("?").values_list("id", flat=True)[:samples])
    out = []
    with connection.cursor() as c:
        for rid in ids:
            t = time.perf_counter()
            c.execute("SELECT text, fields FROM anonymizer_record WHERE id = %s", [rid])
            c.fetchone()
            c.execute(
                'SELECT start, "end", label, score FROM anonymizer_detectedspan '
                "WHERE record_id = %s AND run_id = %s ORDER BY start",
                [rid, batch.current_run_id],
            )
            c.fetchall()
            out.append((time.perf_counter() - t) * 1000)
    return out


def summary(
    args: argparse.Namespace,
    data: dict[str, Any],
    queue_ms: float,
    pages: dict[str, Any],
    times: dict[str, list[float]],
    floor: list[float],
) -> dict[str, Any]:
    """Print the time of each action; return the figures of the last line."""
    actions = [k for k in times if k != "page"]
    all_actions = [v for k in actions for v in times[k]]
    for name, values in times.items():
        print(
            f"{name:>10}: p50 {percentile(values, 0.5):6.1f} ms"
            f"  p95 {percentile(values, 0.95):6.1f} ms  (n={len(values)})"
        )
    floor_p50 = statistics.median(floor)
    return {
        "records": args.records,
        "spans": data["spans"],
        "load_s": round(data["load_s"], 1),
        "queue_build_s": round(queue_ms / 1000, 2),
        "page_p50_ms": round(percentile(times["page"], 0.5), 2),
        "page_p95_ms": round(percentile(times["page"], 0.95), 2),
        "page_many_spans_ms": round(pages["many_ms"], 2),
        "action_p50_ms": round(percentile(all_actions, 0.5), 2),
        "action_p95_ms": round(percentile(all_actions, 0.95), 2),
        "actions": {
            k: {
                "p50_ms": round(percentile(times[k], 0.5), 2),
                "p95_ms": round(percentile(times[k], 0.95), 2),
            }
            for k in actions
        },
        "queries_per_page_few_spans": pages["few_q"],
        "queries_per_page_many_spans": pages["many_q"],
        "spans_few": args.spans_per_record,
        "spans_many": args.many_spans,
        "baseline_raw_read_p50_ms": round(floor_p50, 3),
        "page_p50_over_baseline": round(percentile(times["page"], 0.5) / floor_p50, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--spans-per-record", type=int, default=10)
    parser.add_argument("--many-spans", type=int, default=150)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    setup()
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    # Veil's own modules, likewise: importable only after _django.setup().
    from review.queue import queue_prepare_for_run

    if connection.vendor != "postgresql":
        raise SystemExit("Use PostgreSQL (DATABASE_URL): the load uses COPY.")
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    data = load(args.records, args.spans_per_record, 20, args.many_spans, args.seed)
    print(
        f"loaded {args.records:,} records and {data['spans']:,} spans in {data['load_s']:.1f} s",
        flush=True,
    )
    ms, prepared = timed(queue_prepare_for_run, run_id=data["run"].pk)
    print(
        f"queue built in {ms / 1000:.1f} s: {prepared.queued:,} queued "
        f"({prepared.sampled:,} sampled low-tier), {prepared.auto_cleared:,} auto-cleared",
        flush=True,
    )
    client = Client()
    client.force_login(data["reviewer"])
    pages = record_pages(client, data, args.spans_per_record, args.many_spans)
    work(client, 5)  # warm-up
    times = work(client, args.iterations)
    floor = baseline(data["batch"])
    print(json.dumps(summary(args, data, ms, pages, times, floor)))


if __name__ == "__main__":
    main()
