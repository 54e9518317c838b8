"""List pages at scale: p50 / p95 server time of the batch, record, escalation, audit and export
lists (first, filtered, sorted and deepest page, a reviewer's view) through django.test.Client at
--batches / --records (default 1,000 / 1,000,000) with risk assessments, spans, review items,
decisions, escalations, audit events and exports in proportion, written with COPY (PostgreSQL;
INSERTs elsewhere). Baseline in the same run: the same pages at --baseline-batches /
--baseline-records (default 10 / 10,000), timed first; the large set is then added on top.
    SECRET_KEY=x VEIL_DEV=1 scripts/with-test-services.sh .venv/bin/python benchmarks/lists.py
Last line: one JSON object {"batches", "records", "pages": {name: p95_ms}, "max_p95_ms", ...}.
Its audit events carry placeholder hashes (verify_audit would reject the bench trail).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import random
import statistics
import time
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from _django import setup

LABELS = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "ORDER_ID", "STREET_ADDRESS", "DATE_TIME")
MEDIUM_TRIGGERS = ("payment_context", "narrative", "low_confidence", "identifier_density")
HIGH_TRIGGERS = ("health_context", "payment_or_government_id", "legal_context")
RARE_TRIGGER = "minors_context"  # about 1 high record in 50
WORDS = ("order", "parcel", "refund", "account", "delivery", "invoice", "ticket", "address")
CHUNK_BATCHES = 50
PASSWORD = "bench-lists-password-9Xq"
ROLES = ("admin", "officer", "reviewer")


def write(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> int:
    """Rows into `table`: COPY on PostgreSQL, executemany INSERT elsewhere."""
    from django.db import connection  # after _django.setup(), which configures Django

    cols, n = ", ".join(connection.ops.quote_name(c) for c in columns), 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    n += 1
            return n
        rows = [tuple(_plain(v) for v in row) for row in rows]
        marks = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
        return len(rows)


def _plain(value: Any) -> Any:
    """A value as Django stores it on SQLite: UUIDs as hex, times as naive UTC."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value.hex if isinstance(value, uuid.UUID) else value


def ids_of(sql: str, params: list[Any]) -> list[tuple]:
    # After _django.setup(): it configures Django.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def make_users(reviewers: int) -> dict[str, Any]:
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.batches.services import user_create_with_role

    tag = uuid.uuid4().hex[:6]

    def user(name: str, role: str) -> Any:
        return user_create_with_role(username=f"lists_{name}_{tag}", password=PASSWORD, role=role)

    return {"admin": user("admin", "admin"), "officer": user("officer", "privacy_officer"),
            "reviewers": [user(f"rev_{i:02d}", "reviewer") for i in range(reviewers)]}  # fmt: skip


def batch_sizes(rng: random.Random, batches: int, records: int) -> list[int]:
    """Sizes from 10% to 190% of the mean, summing to `records`."""
    weights = [rng.uniform(0.1, 1.9) for _ in range(batches)]
    sizes = [max(1, int(records * w / sum(weights))) for w in weights]
    sizes[-1] += records - sum(sizes)
    return sizes


def write_batches(ctx: dict[str, Any], sizes: list[int], start: datetime, span: timedelta) -> list:
    """The batches (created across [start, start + span]) and a finished run each, set current."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from anonymizer.models import DataClass, Purpose

    rng, admin, tag = ctx["rng"], ctx["users"]["admin"], uuid.uuid4().hex[:6]
    step = span / max(1, len(sizes))
    made = [start + step * i for i in range(len(sizes))]
    cols = ("public_id", "name", "data_class", "purpose", "status", "source_format",
            "source_sha256", "source_bytes", "text_columns", "id_column", "structured_columns",
            "record_count", "char_count", "created_by_id", "created_at", "updated_at")  # fmt: skip
    write("anonymizer_sourcebatch", cols, (
        (uuid.uuid4(), f"bench {tag} {i:04d}", rng.choice(DataClass.values),
         rng.choice(Purpose.values), "in_review", "text_lines", "0" * 64, n * 60, "[]", "", "[]",
         n, n * 55, admin.pk, made[i], made[i]) for i, n in enumerate(sizes)
    ))  # fmt: skip
    batches = ids_of(
        "SELECT id, public_id FROM anonymizer_sourcebatch WHERE name LIKE %s ORDER BY name",
        [f"bench {tag} %"],
    )
    cols = ("public_id", "batch_id", "ruleset_id", "status", "chunk_size", "chunk_count",
            "record_count", "created_by_id", "created_at", "finished_at")  # fmt: skip
    write("anonymizer_detectionrun", cols, (
        (uuid.uuid4(), b, ctx["ruleset"].pk, "done", n, 1, n, admin.pk, made[i], made[i])
        for i, ((b, _), n) in enumerate(zip(batches, sizes, strict=True))
    ))  # fmt: skip
    runs = dict(ids_of(
        "UPDATE anonymizer_sourcebatch SET current_run_id = r.id FROM anonymizer_detectionrun r"
        " WHERE r.batch_id = anonymizer_sourcebatch.id AND anonymizer_sourcebatch.name LIKE %s"
        " RETURNING anonymizer_sourcebatch.id, anonymizer_sourcebatch.current_run_id",
        [f"bench {tag} %"]))  # fmt: skip
    return [(b, pub, runs[b], n, t) for (b, pub), n, t in zip(batches, sizes, made, strict=True)]


def plan_record(rng: random.Random, phase: str) -> tuple[str, str, str, list[str], int]:
    """tier, record status, review item state ('' for none), triggers, span count."""
    roll = rng.random()
    tier = "high" if roll < 0.1 else ("medium" if roll < 0.4 else "low")
    if tier == "low":
        triggers: list[str] = []
    elif tier == "medium":
        triggers = [rng.choice(MEDIUM_TRIGGERS)]
    else:
        triggers = [rng.choice(HIGH_TRIGGERS)] + ([RARE_TRIGGER] if rng.random() < 0.02 else [])
    spans = {"low": rng.randint(0, 1), "medium": rng.randint(1, 3), "high": rng.randint(2, 4)}
    if tier == "low" and rng.random() > 0.05:  # not sampled: auto-cleared once detected
        return tier, "auto_cleared" if phase != "fresh" else "detected", "", triggers, spans[tier]
    done = phase == "done" or (phase == "reviewing" and rng.random() < 0.5)
    state = "done" if done else ("escalated" if rng.random() < 0.02 else "open")
    status = {"done": "reviewed", "escalated": "escalated", "open": "needs_review"}[state]
    return tier, status, state, triggers, spans[tier]


def write_chunk(ctx: dict[str, Any], chunk: list[tuple]) -> dict[str, int]:
    """Records and everything that follows from them for a few batches."""
    rng, counts, plans = ctx["rng"], {}, {}
    for b, _, _, n, _ in chunk:  # most batches reviewed, some under review, a few fresh
        phase = rng.choices(("done", "reviewing", "fresh"), (7, 2, 1))[0]
        plans[b] = [plan_record(rng, phase) for _ in range(n)]
    cols = ("batch_id", "position", "external_id", "text", "fields", "status", "created_at",
            "updated_at")  # fmt: skip
    counts["records"] = write("anonymizer_record", cols, (
        (b, i + 1, f"T{b}-{i + 1:06d}", " ".join(rng.choices(WORDS, k=10)), "{}", p[1],
         made + timedelta(milliseconds=i), made)
        for b, _, _, n, made in chunk for i, p in enumerate(plans[b])
    ))  # fmt: skip
    where = ",".join(str(c[0]) for c in chunk)
    ids = ids_of(f"SELECT id, batch_id FROM anonymizer_record WHERE batch_id IN ({where}) "
                 "ORDER BY batch_id, position", [])  # fmt: skip
    rows, by_batch, seen = [], {c[0]: c for c in chunk}, {}  # rows: id, batch, run, made, plan
    for rid, b in ids:
        i = seen[b] = seen.get(b, -1) + 1
        rows.append((rid, b, by_batch[b][2], by_batch[b][4], plans[b][i]))
    counts.update(write_detection(ctx, rows))
    counts.update(write_review(ctx, rows, {c[0]: c[1] for c in chunk}))
    return counts


def write_detection(ctx: dict[str, Any], rows: list[tuple]) -> dict[str, int]:
    rng, version = ctx["rng"], ctx["ruleset"].version
    risk_cols = ("record_id", "run_id", "tier", "triggers", "min_score", "span_count",
                 "ruleset_version", "created_at")  # fmt: skip
    risks = write("anonymizer_riskassessment", risk_cols, (
        (rid, run, p[0], json.dumps([{"code": t, "detail": {"count": 1}} for t in p[3]]),
         round(rng.uniform(0.3, 1), 3) if p[4] else None, p[4], version, made)
        for rid, _, run, made, p in rows
    ))  # fmt: skip
    span_cols = ("record_id", "run_id", "start", "end", "label", "score", "recognizer",
                 "pattern_name", "context_word", "validated", "ruleset_version")  # fmt: skip
    spans = write("anonymizer_detectedspan", span_cols, (
        (rid, run, k * 7, k * 7 + 5, rng.choice(LABELS), 0.8, "bench", "", "", None, version)
        for rid, _, run, _, p in rows for k in range(p[4])
    ))  # fmt: skip
    return {"risk_assessments": risks, "spans": spans}


def write_review(ctx: dict[str, Any], rows: list[tuple], pubs: dict[int, Any]) -> dict[str, int]:
    """Review items, their decisions (with an audit event each) and a few exports."""
    rng, users = ctx["rng"], ctx["users"]
    reviewers, officer = users["reviewers"], users["officer"]
    queued = [r for r in rows if r[4][2]]
    cols = ("public_id", "record_id", "batch_id", "run_id", "state", "priority", "confidence",
            "sampled", "version", "spans_ready", "escalated_by_id", "escalated_at",
            "created_at", "updated_at")  # fmt: skip
    who = {r[0]: rng.choice(reviewers) for r in queued}
    returned = {r[0] for r in queued if r[4][2] == "done" and rng.random() < 0.01}
    items = write("review_reviewitem", cols, (
        (uuid.uuid4(), rid, b, run, p[2], {"high": 0, "medium": 1}.get(p[0], 2), 0.6,
         p[0] == "low", 2, p[2] == "done",
         who[rid].pk if p[2] == "escalated" or rid in returned else None,
         made + timedelta(hours=1) if p[2] == "escalated" or rid in returned else None,
         made, made) for rid, b, run, made, p in queued
    ))  # fmt: skip
    steps = []  # (record id, batch, actor, at, action, reason)
    for rid, b, _, made, p in queued:
        at = made + timedelta(hours=1)
        if p[2] == "escalated" or rid in returned:
            steps.append((rid, b, who[rid], at, "escalate", "Is this a customer name?"))
        if p[2] == "done":
            actor = officer if rid in returned else who[rid]
            steps.append((rid, b, actor, at + timedelta(minutes=4), "accept_all", ""))
            steps.append((rid, b, actor, at + timedelta(minutes=5), "submit", ""))
    steps += [(rid, b, None, made, "auto_clear", "") for rid, b, _, made, p in rows
              if p[1] == "auto_cleared"]  # fmt: skip
    cols = ("record_id", "actor_id", "at", "action", "before", "after", "reason", "version")
    decisions = write("review_decision", cols, (
        (rid, actor and actor.pk, at, action, "{}", "{}", reason, 1)
        for rid, _, actor, at, action, reason in steps
    ))  # fmt: skip
    events = write_audit([(actor, f"review.{a}", pubs[b], rid, at)
                          for rid, b, actor, at, a, _ in steps])  # fmt: skip
    return {"review_items": items, "decisions": decisions, "audit_events": events}


def write_audit(events: list[tuple]) -> int:
    """Events after the trail's last one (placeholder hashes: see the module's docstring)."""
    found = ids_of("SELECT MAX(seq) FROM audit_auditevent", [])
    seq = (found[0][0] or 0) if found else 0
    cols = ("seq", "at", "actor_id", "actor_name", "action", "batch_public_id", "target_type",
            "target_id", "payload", "ip_address", "prev_hash", "hash")  # fmt: skip

    def rows() -> Iterator[tuple]:
        prev = "0" * 64
        for k, (actor, action, pub, rid, at) in enumerate(sorted(events, key=lambda e: e[4])):
            digest = hashlib.sha256(f"bench-{seq + k + 1}-{uuid.uuid4()}".encode()).hexdigest()
            yield (seq + k + 1, at, actor and actor.pk, actor.username if actor else "system",
                   action, pub, "Record", str(rid), "{}", None, prev, digest)  # fmt: skip
            prev = digest

    return write("audit_auditevent", cols, rows())


def write_extras(ctx: dict[str, Any], batches: list[tuple]) -> dict[str, int]:
    """Two exports per batch or so, and two assigned reviewers per batch."""
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    from anonymizer.models import ExportedDataset  # Veil's own modules, likewise.
    from anonymizer.policies.selectors import default_policy  # likewise

    rng, users, policy = ctx["rng"], ctx["users"], default_policy()
    cols = ("public_id", "batch_id", "policy_id", "status", "records_total", "records_done",
            "manifest", "error", "job_id", "worker", "attempts", "created_by_id", "created_at",
            "finished_at")  # fmt: skip
    blank = tuple(f.column for f in ExportedDataset._meta.concrete_fields  # added since: ""
                  if f.column not in cols and f.default == "" and not f.null)  # fmt: skip
    exports = write("anonymizer_exporteddataset", cols + blank, (
        (uuid.uuid4(), b, policy.pk, status, n, n if status == "done" else 0, "{}", "", "", "", 1,
         users["admin"].pk, made + timedelta(days=1), made + timedelta(days=1, minutes=3),
         *[""] * len(blank))
        for b, _, _, n, made in batches
        for status in rng.choices(("done", "failed", "queued"), (8, 1, 1), k=rng.randint(1, 3))
    ))  # fmt: skip
    ct = ContentType.objects.get(app_label="anonymizer", model="sourcebatch")
    perms = list(Permission.objects.filter(content_type=ct,
                                           codename__in=["view_sourcebatch", "review_sourcebatch"]))
    grants = [
        UserObjectPermission(user=u, permission=perm, content_type=ct, object_pk=str(b))
        for b, *_ in batches for u in rng.sample(users["reviewers"], 2) for perm in perms
    ]  # fmt: skip
    UserObjectPermission.objects.bulk_create(grants, batch_size=5000)
    return {"exports": exports, "assignments": len(grants) // 2}


def build(ctx: dict[str, Any], batches: int, records: int, start: datetime, span: timedelta):
    """Write `batches` batches of `records` records in all; row counts and seconds taken."""
    # After _django.setup(): it configures Django.
    from django.db import connection, transaction

    t = time.perf_counter()
    counts: dict[str, int] = {"batches": batches}
    made = write_batches(ctx, batch_sizes(ctx["rng"], batches, records), start, span)
    for k in range(0, len(made), CHUNK_BATCHES):
        with transaction.atomic():
            for name, n in write_chunk(ctx, made[k : k + CHUNK_BATCHES]).items():
                counts[name] = counts.get(name, 0) + n
    for name, n in write_extras(ctx, made).items():
        counts[name] = n
    loaded = time.perf_counter() - t
    print(f"wrote {counts} in {loaded:.1f} s", flush=True)
    with connection.cursor() as cursor:  # VACUUM cannot run inside a transaction (tests)
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return counts, loaded, time.perf_counter() - t - loaded


def pages(ctx: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """name -> (who, URL name, GET parameters): first, filtered, sorted, deepest, and more."""
    rid = ctx["users"]["reviewers"][0].pk
    one = ids_of("SELECT public_id FROM anonymizer_sourcebatch ORDER BY id DESC LIMIT 1", [])[0][0]
    # The records list pages by keyset: its deepest page is the one before its 60 oldest.
    at, rec = ids_of("SELECT created_at, id FROM anonymizer_record ORDER BY created_at, id"
                     " LIMIT 1 OFFSET 60", [])[0]  # fmt: skip
    deep = {"page": 99999}
    lists = {
        "batches": ("admin", "batch_list", {"stage": "in_review", "data_class": "personal"},
                    {"sort": "name"}, deep),
        "records": ("admin", "record_list", {"tier": "high", "state": "waiting"},
                    {"sort": "oldest"}, {"after": f"{at.isoformat()}~{rec}"}),
        "escalations": ("officer", "escalation_list", {"status": "any", "escalated_by": rid},
                        {"sort": "newest"}, {"status": "any", **deep}),
        "audit": ("officer", "audit_list", {"action": "review.escalate"}, {"sort": "oldest"}, deep),
        "exports": ("admin", "export_list", {"status": "done"}, {"sort": "batch"}, deep),
    }  # fmt: skip
    found = {}
    for name, (who, url, *variants) in lists.items():  # a page past the end shows the last
        for kind, p in zip(("first", "filtered", "sorted", "deep"), ({}, *variants), strict=True):
            found[f"{name}.{kind}"] = (who, url, p)
    return {**found,
            "batches.reviewer": ("reviewer", "batch_list", {"reviewer": rid}),
            "records.reviewer": ("reviewer", "record_list", {}),
            "records.rare_trigger": ("officer", "record_list", {"trigger": RARE_TRIGGER}),
            "records.search": ("admin", "record_list", {"q": "T1"}),
            "records.one_batch": ("admin", "record_list", {"batch": one, "sort": "file order"}),
            "audit.filtered_deep": ("officer", "audit_list", {"action": "review.submit", **deep}),
            }  # fmt: skip


def time_pages(ctx: dict[str, Any], requests: int) -> dict[str, dict[str, float]]:
    # After _django.setup(): it configures Django.
    from django.test import Client
    from django.urls import reverse

    users, clients, result = ctx["users"], {r: Client() for r in ROLES}, {}
    for role in ROLES:
        clients[role].force_login(users["reviewers"][0] if role == "reviewer" else users[role])
    for name, (role, url_name, params) in pages(ctx).items():
        url = reverse(url_name)
        assert clients[role].get(url, params).status_code == 200, name  # warm
        times = []
        for _ in range(requests):
            t = time.perf_counter()
            response = clients[role].get(url, params)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200, (name, response.status_code)
        cuts = statistics.quantiles(times, n=20, method="inclusive")  # 5%, 10%, ... 95%
        result[name] = {"p50": statistics.median(times), "p95": cuts[18]}
    return result


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=1000)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--baseline-batches", type=int, default=10)
    parser.add_argument("--baseline-records", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    setup()
    # After _django.setup(): it puts the project on sys.path and configures Django.
    from django.conf import settings
    from django.utils import timezone

    from anonymizer.rulesets.selectors import ruleset_active  # Veil's own modules, likewise.

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per force_login otherwise
    rng = random.Random(args.seed)
    ctx = {"rng": rng, "ruleset": ruleset_active(), "users": make_users(min(20, args.batches))}
    now, year = timezone.now(), timedelta(days=365)
    small, small_s, _ = build(ctx, args.baseline_batches, args.baseline_records,
                              now - year - timedelta(days=30), timedelta(days=30))  # fmt: skip
    baseline = time_pages(ctx, args.requests)
    more = (args.batches - args.baseline_batches, args.records - args.baseline_records)
    big, big_s, analyze_s = build(ctx, *more, now - year, year)
    timed = time_pages(ctx, args.requests)
    rows = {k: small.get(k, 0) + big.get(k, 0) for k in big}
    print(f"built {rows} in {small_s + big_s:.1f} s (+ {analyze_s:.1f} s VACUUM ANALYZE)")
    print(f"{'page':24} {'p50 ms':>8} {'p95 ms':>8}   baseline p50 / p95 at "
          f"{args.baseline_batches} batches, {args.baseline_records} records")
    for name, t, b in ((n, t, baseline[n]) for n, t in timed.items()):
        print(f"{name:24} {t['p50']:8.1f} {t['p95']:8.1f}   {b['p50']:8.1f} / {b['p95']:.1f}")
    def p95s(t: dict[str, dict[str, float]]) -> dict[str, Any]:
        pages = {k: round(v["p95"], 1) for k, v in t.items()}
        return {"pages": pages, "max_p95_ms": max(pages.values())}
    result = {"batches": args.batches, "records": args.records, **p95s(timed),
              "baseline": {"batches": args.baseline_batches, "records": args.baseline_records,
                           **p95s(baseline)},
              "rows": rows, "build_s": round(small_s + big_s, 1),
              "analyze_s": round(analyze_s, 1), "requests_per_page": args.requests}  # fmt: skip
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
