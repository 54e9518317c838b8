"""Export speed: --records (default 100k) synthetic tickets with their spans, exported through the
real code path (services.run_export: the k-step, both residual-scan passes, transform, JSONL and
CSV, the vault writes of every pseudonym, the manifest, the audit event) under a policy that uses
every operator on the text (redact, replace, mask, pseudonymize, surrogate, generalize, keep) and
on the structured columns (generalize, keep, pseudonymize, mask, replace, a dropped column) and a
pseudonymized id column.

Data (not timed): tickets from anonymizer.engine.synth (about 400 characters, many span types),
written with COPY: a fifth reviewed by a person (a review item done, the machine's spans copied
as review spans, every seventh rejected), three quarters auto-cleared (the machine's spans), the
rest still waiting for review (left out of the export, but part of the residual scan).

Baseline in the same run, on --baseline-sample records of the same batch: what a straightforward
export does, record by record: one query for the record, one for its spans, transform (text,
columns, id), write one JSON line and one CSV row, store the record's new pseudonyms in the vault
(one INSERT ... ON CONFLICT per record). It has no residual scan, manifest or audit.

Reads DATABASE_URL like the app; use PostgreSQL:
    SECRET_KEY=t VEIL_DEV=1 scripts/with-test-services.sh .venv/bin/python benchmarks/export.py
Last line: one JSON object (records, seconds, records_per_s, baseline_records_per_s, ratio...).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from _common import bare_batch
from _django import setup

TEXT_RULES: dict[str, Any] = {
    "rules": {
        "PERSON": "pseudonymize",
        "EMAIL_ADDRESS": "pseudonymize",
        "CUSTOMER_ID": "pseudonymize",
        "ORDER_ID": "surrogate",
        "US_SSN": "surrogate",
        "PHONE_NUMBER": {"operator": "mask", "params": {"keep_last": 2}},
        "CREDIT_CARD": {"operator": "mask", "params": {"keep_last": 4}},
        "IBAN_CODE": {"operator": "mask", "params": {"keep_last": 4, "char": "#"}},
        "DATE_OF_BIRTH": {"operator": "generalize", "params": {"level": "year"}},
        "AGE": {"operator": "generalize", "params": {"band": 10}},
        "POSTCODE": {"operator": "generalize", "params": {"keep": 2}},
        "LOCATION": "replace",
        "IP_ADDRESS": {"operator": "replace", "params": {"label": "[NETWORK_ADDRESS]"}},
        "DEVICE_SERIAL": "keep",
        "MAC_ADDRESS": "keep",
        "STREET_ADDRESS": "redact",
    },
    "default": {"operator": "redact"},
}
COLUMN_RULES: dict[str, Any] = {
    "postcode": {"operator": "generalize", "params": {"entity_type": "POSTCODE", "keep": 2}},
    "birth_date": {
        "operator": "generalize", "params": {"entity_type": "DATE_OF_BIRTH", "level": "year"},
    },
    "plan": "keep",
    "email": {"operator": "pseudonymize", "params": {"entity_type": "EMAIL_ADDRESS"}},
    "phone": {"operator": "mask", "params": {"keep_last": 3}},
    "city": {"operator": "replace", "params": {"entity_type": "LOCATION"}},
    "notes": "redact",  # named, but redacted: the column is dropped
}
COLUMNS = ["postcode", "birth_date", "plan", "email", "phone", "city", "notes"]
PLANS = ("free", "basic", "plus", "pro", "enterprise")

RECORD_COPY = (
    "COPY anonymizer_record (batch_id, position, external_id, text, fields, status,"
    " created_at, updated_at) FROM STDIN"
)
SPAN_COPY = (
    'COPY anonymizer_detectedspan (record_id, run_id, start, "end", label, score,'
    " recognizer, pattern_name, context_word, validated, ruleset_version) FROM STDIN"
)
ITEM_COPY = (
    "COPY review_reviewitem (public_id, record_id, batch_id, run_id, state, priority,"
    " confidence, sampled, version, spans_ready, created_at, updated_at) FROM STDIN"
)
RSPAN_COPY = (
    'COPY review_reviewspan (item_id, detected_id, origin, start, "end", label, status,'
    " updated_at) FROM STDIN"
)


def status_of(i: int) -> str:
    """A fifth reviewed, one in twenty waiting for review, the rest auto-cleared."""
    if i % 20 == 7:
        return "needs_review"
    return "reviewed" if i % 5 == 0 else "auto_cleared"


def make_tickets(n: int, seed: int) -> list[dict[str, Any]]:
    """Synthetic tickets with their spans, and structured columns drawn from the same pools."""
    # After _django.setup(): it puts the repository root on sys.path.
    from anonymizer.engine.synth import generate_tickets
    from anonymizer.engine.synth_values import make_phone, pools

    rng = random.Random(seed)
    p = pools()
    tickets = generate_tickets(n, seed)
    born = date(1940, 1, 1)
    for i, t in enumerate(tickets):
        address = rng.choice(p.addresses)
        first, last = rng.choice(p.first), rng.choice(p.last)
        t["id"] = f"T{i + 1:07d}"
        t["fields"] = {
            "postcode": address.postcode,
            "birth_date": (born + timedelta(days=rng.randint(0, 24000))).isoformat(),
            "plan": rng.choice(PLANS),
            "email": f"{first}.{last}@{rng.choice(p.domains)}".lower(),
            "phone": make_phone(rng),
            "city": address.city,
            "notes": f"called {rng.randint(1, 9)} times",
        }
    return tickets


def copy_rows(cursor: Any, sql: str, rows: Iterator[tuple[Any, ...]]) -> None:
    with cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)


def load(n: int, seed: int) -> dict[str, Any]:
    """Users, batch, a finished run, records, spans and review work, written with COPY."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.db import connection, transaction
    from django.utils import timezone

    # Veil's own modules, likewise: importable only after _django.setup().
    from anonymizer.batches import services
    from anonymizer.models import DetectionRun, Record, SourceBatch
    from anonymizer.rulesets.selectors import ruleset_active

    users = {
        name: services.user_create_with_role(
            username=f"bench_export_{name}_{seed}", password="bench-password-x1", role=role
        )
        for name, role in (("admin", "admin"), ("officer", "privacy_officer"),
                           ("officer2", "privacy_officer"))
    }
    tickets = make_tickets(n, seed)
    ruleset, now = ruleset_active(), timezone.now()
    with transaction.atomic():
        batch = bare_batch(
            name="export bench", source_format="jsonl", record_count=n,
            created_by=users["admin"], status=SourceBatch.Status.REVIEWED,
            id_column="id", text_columns=["text"], structured_columns=COLUMNS,
        )
        run = DetectionRun.objects.create(
            batch=batch, ruleset=ruleset, status=DetectionRun.Status.DONE, chunk_size=n,
            chunk_count=1, record_count=n, finished_at=now,
        )
        with connection.cursor() as c:
            copy_rows(c.cursor, RECORD_COPY, (
                (batch.pk, i + 1, t["id"], t["text"], json.dumps(t["fields"]), status_of(i),
                 now, now)
                for i, t in enumerate(tickets)
            ))
            ids = list(
                Record.objects.filter(batch=batch).order_by("position").values_list("id", flat=True)
            )
            copy_rows(c.cursor, SPAN_COPY, (
                (rid, run.pk, s["start"], s["end"], s["label"], 0.9, "bench", "", "", None,
                 ruleset.version)
                for rid, t in zip(ids, tickets, strict=True) for s in t["spans"]
            ))
            load_review(c.cursor, batch.pk, run.pk, ids, now)
        SourceBatch.objects.filter(pk=batch.pk).update(current_run=run)
    with connection.cursor() as c:
        c.execute("ANALYZE")
    spans = sum(len(t["spans"]) for t in tickets)
    return {"batch": batch, "run": run, "users": users, "spans": spans,
            "chars": sum(len(t["text"]) for t in tickets)}


def load_review(cursor: Any, batch_id: int, run_id: int, ids: list[int], now: Any) -> None:
    """A done review item per reviewed record; its spans copied from the machine's, every
    seventh rejected."""
    # After _django.setup(): Veil's models are importable only then.
    from anonymizer.models import DetectedSpan
    from review.models import ReviewItem

    reviewed = [rid for i, rid in enumerate(ids) if status_of(i) == "reviewed"]
    copy_rows(cursor, ITEM_COPY, (
        (uuid.uuid4(), rid, batch_id, run_id, "done", 0, 0.9, False, 3, True, now, now)
        for rid in reviewed
    ))
    item_of = dict(
        ReviewItem.objects.filter(batch_id=batch_id).values_list("record_id", "id")
    )
    detected = list(  # read whole before the COPY starts: one connection does one at a time
        DetectedSpan.objects.filter(run_id=run_id, record_id__in=reviewed).values_list(
            "id", "record_id", "start", "end", "label"
        )
    )
    copy_rows(cursor, RSPAN_COPY, (
        (item_of[rid], sid, "detected", start, end, label,
         "rejected" if sid % 7 == 0 else "accepted", now)
        for sid, rid, start, end, label in detected
    ))


def make_policy(users: dict[str, Any], *, name: str, domain: str) -> Any:
    """The benchmark's policy through the real services: created, submitted, approved."""
    # After _django.setup(): Veil's services are importable only then.
    from anonymizer.policies import services as policies

    officer, other = users["officer"], users["officer2"]
    policy = policies.policy_create(
        actor=officer, name=name, rules=TEXT_RULES, column_rules=COLUMN_RULES,
        linkage_domain=domain, data_class="personal", purpose="theme_analysis",
    )
    policies.policy_submit(actor=officer, policy=policy)
    return policies.policy_approve(actor=other, policy=policy)


def real_export(batch: Any, policy: Any, admin: Any) -> tuple[float, Any]:
    """export_start (no queue), then run_export as the worker's job runs it; seconds, export."""
    # After _django.setup(): Veil's services are importable only then.
    from anonymizer.exports import services as exports

    export = exports.export_start(actor=admin, batch=batch, policy=policy, enqueue=False)
    t = time.perf_counter()
    export = exports.run_export(export.pk, worker="bench")
    seconds = time.perf_counter() - t
    assert export.status == export.Status.DONE, (export.status, export.error)
    return seconds, export


def naive_export(batch: Any, policy: Any, sample: int, out: Path) -> tuple[float, int]:
    """The baseline: one record at a time (see the module's docstring); seconds, records."""
    # After _django.setup(): Veil's modules are importable only then.
    from anonymizer.engine.transform import OperatorSpec, policy_from_dict
    from anonymizer.exports.files import kept_columns
    from anonymizer.exports.keys import linkage_key, vault_fernet
    from anonymizer.models import Record

    kept = kept_columns(batch, policy.column_rules)
    plan = {
        "spec": policy_from_dict(policy.rules),
        "columns": policy_from_dict({"rules": policy.column_rules}),
        "key": linkage_key(policy.linkage_domain),
        "fernet": vault_fernet(),
        "id_spec": OperatorSpec("pseudonymize"),
        "kept": kept,
        "domain": policy.linkage_domain,
        "run": batch.current_run_id,
    }
    ids = list(
        Record.objects.filter(batch=batch).order_by("position").values_list("id", flat=True)
    )[:sample]
    t = time.perf_counter()
    with (out / "records.jsonl").open("w", encoding="utf-8") as jsonl, \
            (out / "records.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", *kept])
        for rid in ids:
            naive_record(rid, plan, jsonl, writer)
    return time.perf_counter() - t, len(ids)


def naive_record(rid: int, plan: dict[str, Any], jsonl: Any, writer: Any) -> None:
    """One record of the baseline: read it, read its spans, transform, write, store pseudonyms."""
    # After _django.setup(): Django and Veil's modules are importable only then.
    from django.db import transaction

    # Veil's own modules, likewise.
    from anonymizer.engine.transform import Span, apply_operator, pseudonym, transform
    from anonymizer.models import DetectedSpan, Record, VaultEntry
    from review.models import ReviewSpan

    record = Record.objects.get(pk=rid)
    if record.status not in ("reviewed", "auto_cleared"):
        return
    if record.status == "reviewed":
        rows = ReviewSpan.objects.filter(item__record_id=rid).exclude(status="rejected")
    else:
        rows = DetectedSpan.objects.filter(record_id=rid, run_id=plan["run"])
    spans = [Span(*s) for s in rows.values_list("start", "end", "label")]
    key = plan["key"]
    result = transform(record.text, spans, plan["spec"], key)
    fields = {}
    for column in plan["kept"]:
        value = record.fields.get(column)
        if value not in (None, ""):
            spec = plan["columns"].operator_for(column)
            label = str(spec.params.get("entity_type", column.upper()))
            fields[column] = apply_operator(str(value), label, spec, key)
    exported_id = apply_operator(record.external_id, "RECORD_ID", plan["id_spec"], key)
    vault = {exported_id: ("RECORD_ID", record.external_id)}
    for c in result.changes:
        if c.operator == "pseudonymize":
            original = record.text[c.start : c.end]
            vault[pseudonym(original, c.label, key)] = (c.label, original)
    line = {"id": exported_id, "text": result.text, "fields": fields}
    jsonl.write(json.dumps(line, ensure_ascii=False) + "\n")
    writer.writerow([exported_id, result.text, *(fields.get(c) for c in plan["kept"])])
    with transaction.atomic():
        VaultEntry.objects.bulk_create([
            VaultEntry(linkage_domain=plan["domain"], token=token, label=label,
                       ciphertext=plan["fernet"].encrypt(original.encode()))
            for token, (label, original) in vault.items()
        ], ignore_conflicts=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--baseline-sample", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--profile", help="Write a cProfile of the real export to this file.")
    parser.add_argument("--workers", type=int, default=None,
                        help="VEIL_EXPORT_WORKERS for the real export (default: the app's).")
    args = parser.parse_args()
    setup()
    # After _django.setup(): Django is configured only then.
    from django.conf import settings

    if args.workers is not None:
        settings.VEIL_EXPORT_WORKERS = args.workers

    # Veil's own modules, likewise.
    from anonymizer.models import VaultEntry

    t = time.perf_counter()
    data = load(args.records, args.seed)
    load_s = time.perf_counter() - t
    batch, users = data["batch"], data["users"]
    print(f"loaded {args.records:,} records, {data['spans']:,} spans, "
          f"{data['chars'] / args.records:.0f} chars/record in {load_s:.1f} s")
    with tempfile.TemporaryDirectory() as tmp:
        settings.VEIL_EXPORT_DIR = str(Path(tmp) / "exports")
        naive = make_policy(users, name=f"bench-naive-{args.seed}", domain=f"naive-{args.seed}")
        (Path(tmp) / "naive").mkdir()
        naive_s, naive_n = naive_export(batch, naive, args.baseline_sample, Path(tmp) / "naive")
        policy = make_policy(users, name=f"bench-export-{args.seed}", domain=f"bench-{args.seed}")
        seconds, export = profiled(args.profile, real_export, batch, policy, users["admin"])
        sizes = {n: e["bytes"] for n, e in export.manifest["files"].items()}
    manifest = export.manifest
    result = {
        "benchmark": "export",
        "records": args.records,
        "exported": manifest["records"]["exported"],
        "spans": data["spans"],
        "seconds": round(seconds, 2),
        "records_per_s": round(args.records / seconds),
        "baseline_records": naive_n,
        "baseline_seconds": round(naive_s, 2),
        "baseline_records_per_s": round(naive_n / naive_s),
        "ratio": round((args.records / seconds) / (naive_n / naive_s), 2),
        "vault_entries": VaultEntry.objects.filter(linkage_domain=policy.linkage_domain).count(),
        "residual_found": manifest["residual_scan"]["occurrences_found"],
        "operators": sorted({k.split(":")[1] for k in manifest["operators"]}),
        "bytes": sizes,
        "target_records_per_s": 5000,
        "workers": getattr(settings, "VEIL_EXPORT_WORKERS", None),
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
    }
    print(f"export: {result['records_per_s']:,} records/s ({seconds:.1f} s for "
          f"{args.records:,}); naive one-record-at-a-time: {result['baseline_records_per_s']:,} "
          f"records/s on {naive_n:,}; ratio {result['ratio']}x")
    print(json.dumps(result))


def profiled(path: str | None, fn: Any, *args: Any) -> Any:
    if not path:
        return fn(*args)
    # Only when asked: the profiler slows what it measures.
    import cProfile

    profile = cProfile.Profile()
    result = profile.runcall(fn, *args)
    profile.dump_stats(path)
    return result


if __name__ == "__main__":
    main()
