"""Ingest speed: 100k synthetic tickets of ~400 characters imported through the real code path.

Reads DATABASE_URL like the app (use PostgreSQL: `make bench` starts a throwaway one).
Baseline measured in the same run: a naive ORM loop (one INSERT per record) on a sample.
Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time

from _django import setup


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--baseline-sample", type=int, default=2_000)
    args = parser.parse_args()
    setup()

    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from anonymizer.batches import services
    from anonymizer.batches.demo import demo_tickets, tickets_to_csv
    from anonymizer.batches.ingest import ParseOptions, parse_batch_file
    from anonymizer.models import Record, SourceBatch

    t = time.perf_counter()
    tickets = demo_tickets(args.records, seed=11)
    data = tickets_to_csv(tickets)
    gen_s = time.perf_counter() - t
    chars = sum(len(x["text"]) for x in tickets)
    print(
        f"generated {len(tickets):,} tickets, {len(data) / 1e6:.1f} MB, "
        f"mean {chars / len(tickets):.0f} chars/ticket in {gen_s:.1f} s"
    )

    user, _ = get_user_model().objects.get_or_create(username="bench_ingest")
    options = ParseOptions(
        source_format="csv", text_columns=["text"], id_column="ticket_id", max_bytes=1 << 31
    )
    t = time.perf_counter()
    parse_batch_file(data, options)
    parse_s = time.perf_counter() - t

    t = time.perf_counter()
    batch = services.batch_import(
        actor=user,
        data=data,
        name="bench",
        data_class="personal",
        purpose="theme_analysis",
        source_format="csv",
        text_columns=["text"],
        id_column="ticket_id",
    )
    import_s = time.perf_counter() - t
    assert batch.records.count() == args.records

    # Baseline: one ORM INSERT per record, on a sample, in one transaction.
    sample = tickets[: args.baseline_sample]
    t = time.perf_counter()
    with transaction.atomic():
        base = SourceBatch.objects.create(
            name="bench-baseline",
            data_class="personal",
            purpose="theme_analysis",
            source_format="csv",
            source_sha256="0" * 64,
            record_count=len(sample),
            created_by=user,
        )
        for i, x in enumerate(sample, start=1):
            Record.objects.create(
                batch=base,
                position=i,
                external_id=x["ticket_id"],
                text=x["text"],
                fields={k: v for k, v in x.items() if k not in ("text", "ticket_id")},
            )
    naive_s = time.perf_counter() - t
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


if __name__ == "__main__":
    main()
