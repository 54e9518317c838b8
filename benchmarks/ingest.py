"""Ingest speed: 100k synthetic tickets of ~400 characters imported through the real code path.

Reads DATABASE_URL like the app (use PostgreSQL: `make bench` starts a throwaway one).
Baseline measured in the same run: a naive ORM loop (one INSERT per record) on a sample.
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from _common import DEMO_CSV, bare_batch, demo_csv, import_demo_batch
from _django import setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--baseline-sample", type=int, default=2_000)
    args = parser.parse_args()
    setup()

    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.contrib.auth import get_user_model
    from django.db import connection

    # Veil's own modules, likewise: importable only after _django.setup().
    from anonymizer.batches.ingest import ParseOptions, parse_batch_file
    from anonymizer.models import SourceBatch

    t = time.perf_counter()
    tickets, data = demo_csv(args.records, seed=11)
    gen_s = time.perf_counter() - t
    chars = sum(len(x["text"]) for x in tickets)
    print(
        f"generated {len(tickets):,} tickets, {len(data) / 1e6:.1f} MB, "
        f"mean {chars / len(tickets):.0f} chars/ticket in {gen_s:.1f} s"
    )

    user, _ = get_user_model().objects.get_or_create(username="bench_ingest")
    options = ParseOptions(**DEMO_CSV, max_bytes=1 << 31)
    t = time.perf_counter()
    parse_batch_file(data, options)
    parse_s = time.perf_counter() - t

    t = time.perf_counter()
    batch = import_demo_batch(actor=user, data=data, name="bench")
    import_s = time.perf_counter() - t
    assert batch.records.count() == args.records

    sample = tickets[: args.baseline_sample]
    base, naive_s = naive_orm_import(sample, user)
    SourceBatch.objects.filter(pk__in=[batch.pk, base.pk]).delete()

    result = {
        "benchmark": "ingest",
        "database": f"{connection.vendor}",
        "records": args.records,
        "mb": round(len(data) / 1e6, 1),
        "parse_s": round(parse_s, 2),
        "import_s": round(import_s, 2),
        "records_per_s": round(args.records / import_s),
        "naive_orm_records_per_s": round(len(sample) / naive_s),
        "speedup_vs_naive_orm": round((args.records / import_s) / (len(sample) / naive_s), 2),
        "target_s": 60,
    }
    print(
        f"import: {result['records_per_s']:,} records/s ({import_s:.1f} s for {args.records:,}); "
        f"naive ORM loop: {result['naive_orm_records_per_s']:,} records/s; "
        f"speed-up {result['speedup_vs_naive_orm']}x"
    )
    print(json.dumps(result))


def naive_orm_import(sample: list[dict[str, Any]], user: Any) -> tuple[Any, float]:
    """Baseline: one ORM INSERT per record, on a sample, in one transaction; the batch and the
    seconds it took."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.db import transaction

    # Veil's own modules, likewise: importable only after _django.setup().
    from anonymizer.models import Record

    t = time.perf_counter()
    with transaction.atomic():
        base = bare_batch(
            name="bench-baseline", source_format="csv", record_count=len(sample), created_by=user
        )
        for i, x in enumerate(sample, start=1):
            Record.objects.create(
                batch=base,
                position=i,
                external_id=x["ticket_id"],
                text=x["text"],
                fields={k: v for k, v in x.items() if k not in ("text", "ticket_id")},
            )
    return base, time.perf_counter() - t


if __name__ == "__main__":
    main()
