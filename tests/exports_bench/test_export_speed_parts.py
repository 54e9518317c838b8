"""The export's fast paths give what the plain ones give: spans read per chunk as
selectors.final_spans reads them, ranges resolved and transformed as spans are, the residual
scan's index finding what a brute-force search finds, the vault's COPY path storing what the
ORM path stores, and the chunked writer writing what one row at a time writes."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from anonymizer.engine.labels import strength
from anonymizer.engine.transform import (
    OperatorSpec,
    Span,
    apply_operator,
    policy_from_dict,
    pseudonym,
    resolve_overlaps,
    transform,
    transform_ranges,
)
from anonymizer.exports import vault
from anonymizer.exports.files import RecordFiles, chunk_spans
from anonymizer.exports.keys import vault_fernet
from anonymizer.exports.residual import ResidualScan, fold
from anonymizer.exports.selectors import final_spans
from anonymizer.models import Record, VaultEntry
from audit.cells import neutralise_cell
from review.models import ItemState, ReviewItem, ReviewSpan, SpanOrigin, SpanStatus
from tests.review.factories import detect, make_batch, span_at

TEXTS = [
    "Marigold Quenby asked about the Tessaly plan.",
    "Call Dean Roberts on 020 7946 0321 today.",
    "Dean wrote from dean@example.org twice.",
    "Nothing to see in this one.",
    "Ada Lovelace, Ada again.",
]


@pytest.mark.django_db
def test_chunk_spans_are_final_spans(admin_user: Any, reviewer: Any) -> None:
    batch = make_batch(admin_user, [reviewer], TEXTS)
    t = TEXTS
    detect(batch, [
        ("low", [span_at(t[0], "Marigold Quenby", "PERSON", 0.9),
                 span_at(t[0], "Tessaly", "PROPER_NOUN", 0.3)]),  # a hint: not a detection
        ("high", [span_at(t[1], "Dean Roberts", "PERSON", 0.9),
                  span_at(t[1], "020 7946 0321", "PHONE_NUMBER", 0.5)]),
        ("high", [span_at(t[2], "dean@example.org", "EMAIL_ADDRESS", 0.6)]),
        ("low", []),
        ("high", [span_at(t[4], "Ada Lovelace", "PERSON", 0.5)]),
    ])
    records = list(Record.objects.filter(batch=batch).order_by("position"))
    # A person reviewed record 2 (one span rejected, one added) and record 5 (all rejected);
    # record 3's review is still open: its machine spans go out.
    for record, spans in ((records[1], [(5, 17, "PERSON", SpanStatus.REJECTED),
                                        (21, 34, "PHONE_NUMBER", SpanStatus.ACCEPTED),
                                        (0, 4, "ORGANIZATION", SpanStatus.ACCEPTED)]),
                          (records[4], [(0, 12, "PERSON", SpanStatus.REJECTED)])):
        item = ReviewItem.objects.get(record=record)
        ReviewItem.objects.filter(pk=item.pk).update(state=ItemState.DONE)
        ReviewSpan.objects.bulk_create(
            ReviewSpan(item=item, origin=SpanOrigin.ADDED, start=s, end=e, label=label,
                       status=status)
            for s, e, label, status in spans
        )
    ids = [r.pk for r in records]
    expected = {
        rid: [(s.start, s.end, s.label) for s in spans]
        for rid, spans in final_spans(batch, ids).items()
    }
    got = chunk_spans(batch, 1, len(records))
    assert {rid: got.get(rid, []) for rid in ids} == expected
    assert expected[ids[1]] == [(0, 4, "ORGANIZATION"), (21, 34, "PHONE_NUMBER")]
    assert expected[ids[4]] == [] and expected[ids[0]] == [(0, 15, "PERSON")]
    middle = chunk_spans(batch, 2, 3)  # a chunk holds its positions only
    assert set(middle) <= {ids[1], ids[2]} and middle[ids[2]] == expected[ids[2]]


def reference_resolve(spans: list[Span], length: int) -> list[Span]:
    """resolve_overlaps as it was written before the fast path (the reference)."""
    ordered = sorted(
        (Span(max(0, s.start), min(length, s.end), s.label) for s in spans),
        key=lambda s: (s.start, -s.end),
    )
    out: list[Span] = []
    for span in ordered:
        if span.end <= span.start:
            continue
        if out and span.start < out[-1].end:
            last = out[-1]
            out[-1] = Span(last.start, max(last.end, span.end),
                           max((last.label, span.label), key=strength))
        else:
            out.append(span)
    return out


def reference_pseudonym(value: str, label: str, key: bytes) -> str:
    normalised = " ".join(value.split()).casefold()
    digest = hmac.new(key, f"{label}\x1f{normalised}".encode(), hashlib.sha256).digest()
    code = base64.b32encode(digest[:10]).decode().rstrip("=")
    return code[:12]


def test_ranges_transform_as_spans_do_and_pseudonyms_are_base32_of_the_hmac() -> None:
    rng = random.Random(5)
    labels = ["PERSON", "EMAIL_ADDRESS", "LOCATION", "ORGANIZATION", "DATE_TIME", "POSTCODE"]
    policy = policy_from_dict({"rules": {
        "PERSON": "pseudonymize", "LOCATION": "keep", "DATE_TIME": "generalize",
        "EMAIL_ADDRESS": {"operator": "mask", "params": {"keep_last": 2, "char": "\\"}},
        "POSTCODE": {"operator": "generalize", "params": {"keep": 2}},
    }, "default": "replace"})
    alphabet = "abcXYZ019 -_.@é²ñß"
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        spans = [Span(rng.randint(-2, len(text) + 2), rng.randint(-2, len(text) + 4),
                      rng.choice(labels)) for _ in range(rng.randint(0, 5))]
        if rng.random() < 0.5:  # in order and apart: the fast path
            spans = sorted(spans, key=lambda s: s.start)
        assert resolve_overlaps(spans, len(text)) == reference_resolve(spans, len(text))
        key = rng.randbytes(32)
        memo: dict[tuple[str, str], str] = {}
        plain = transform(text, spans, policy, key)
        assert transform(text, spans, policy, key, memo) == plain
        assert transform_ranges(text, [(s.start, s.end, s.label) for s in spans], policy,
                                key, memo) == plain
        label = rng.choice(labels)
        assert pseudonym(text, label, key).endswith("_" + reference_pseudonym(text, label, key))
        masked = apply_operator(text, label, OperatorSpec("mask", {"keep_last": 3}), key)
        visible = text[-3:] if len(text) > 3 else ""
        hidden = text[: len(text) - len(visible)]
        assert masked == "".join("*" if c.isalnum() else c for c in hidden) + visible


def brute_force_hits(scan: ResidualScan, text: str, protected: list[tuple[int, int]]) -> list[Span]:
    """Every occurrence of every string, word-bounded, outside `protected`, then the longest
    first among overlapping ones: what the residual scan promises."""
    haystack, found = fold(text), []

    def word(i: int) -> bool:
        return 0 <= i < len(haystack) and (haystack[i].isalnum() or haystack[i] == "_")

    for key, label in scan.strings.items():
        start = haystack.find(key)
        while start != -1:
            end = start + len(key)
            if not word(start - 1) and not word(end) and not any(
                start < pe and ps < end for ps, pe in protected
            ):
                found.append(Span(start, end, label))
            start = haystack.find(key, start + 1)
    found.sort(key=lambda s: (s.start, -s.end))
    out: list[Span] = []
    for span in found:
        if not out or span.start >= out[-1].end:
            out.append(span)
    return out


def test_the_residual_index_finds_what_a_brute_force_search_finds() -> None:
    rng = random.Random(9)
    words = ["dean", "Roberts", "ann", "anna", "12", "baker", "st", "ÉCOLE", "straße",
             "İstanbul", "o'neil", "zeb@example.org", "a_b", "44 20", "–", "Ǆ"]
    seps = [" ", "  ", ", ", "-", ".", "@", "_", "\n", "", "’"]

    def phrase(k: int) -> str:
        return "".join(rng.choice(words) + rng.choice(seps) for _ in range(k)).strip()

    for _ in range(1500):
        scan = ResidualScan()
        for _ in range(rng.randint(1, 8)):
            scan.add(phrase(rng.randint(1, 3)), rng.choice(["PERSON", "LOCATION", "URL"]))
        scan.build()
        for _ in range(5):
            text = phrase(rng.randint(1, 12))
            a = rng.randint(0, len(text))
            protected = [(a, rng.randint(a, len(text)))] if rng.random() < 0.5 else []
            assert scan.hits(text, protected) == brute_force_hits(scan, text, protected)


@pytest.mark.django_db
def test_the_vault_copy_path_stores_what_the_orm_path_stores() -> None:
    rng = random.Random(2)
    entries = {f"PERSON_{i:06d}": ("PERSON", f"Name {rng.random()}") for i in range(1200)}
    vault._bulk_many("orm", {"PERSON_000001": ("PERSON", "first comer")})
    vault._copy_many("copy", {"PERSON_000001": ("PERSON", "first comer")}, {})
    vault.vault_store_many("copy", entries)  # PostgreSQL in the test services: COPY
    vault.vault_store_many("copy", entries)  # again: nothing new, no error
    vault._bulk_many("orm", entries)
    fernet = vault_fernet()

    def rows(domain: str) -> list[tuple[str, str, str]]:
        return sorted(
            (e.token, e.label, fernet.decrypt(bytes(e.ciphertext)).decode())
            for e in VaultEntry.objects.filter(linkage_domain=domain)
        )

    assert rows("copy") == rows("orm") and len(rows("copy")) == 1200
    assert ("PERSON_000001", "PERSON", "first comer") in rows("copy")  # kept, not replaced


def test_the_chunked_writer_writes_what_one_row_at_a_time_writes(tmp_path: Path) -> None:
    rows = [
        ("PERSON_1", "Plain text.", {"plan": "pro", "age": 41}),
        ("=cmd|'/c calc'!A1", "Line one\nline two, \"quoted\"", {"plan": "+1"}),
        ("@x", "Ünïcödé ✓ – tab\there", {}),
        ("-5", "", {"plan": None, "age": "30-39"}),
    ]
    columns = ["plan", "age"]
    with RecordFiles(tmp_path, columns) as files:
        for i, (external_id, text, fields) in enumerate(rows):
            files.write(external_id, text, fields)
            if i == 1:
                files.flush()  # a chunk ends here
    jsonl, out = io.StringIO(), io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(["id", "text", *columns])
    for external_id, text, fields in rows:
        line = {"id": external_id, "text": text, "fields": fields}
        jsonl.write(json.dumps(line, ensure_ascii=False) + "\n")
        writer.writerow([neutralise_cell(c) for c in [external_id, text,
                                                      *(fields.get(c) for c in columns)]])
    assert (tmp_path / "records.jsonl").read_text(encoding="utf-8") == jsonl.getvalue()
    assert (tmp_path / "records.csv").read_bytes() == out.getvalue().encode("utf-8")


@pytest.mark.django_db
def test_ciphertexts_made_ahead_are_what_the_vault_stores() -> None:
    from anonymizer.exports.files import JOB, encrypt_ahead
    from anonymizer.models import VaultEntry

    entries = {"PERSON_A": ("PERSON", "Ann"), "PERSON_B": ("PERSON", "Bob")}
    fernet = vault_fernet()
    assert encrypt_ahead(entries) == {}  # serial: the vault encrypts as it stores
    JOB["fernet"] = fernet  # as in a worker of the parallel path
    try:
        ciphers = encrypt_ahead(entries)
        assert encrypt_ahead(entries) == {}  # a token once per worker
    finally:
        JOB.clear()
    vault.vault_store_many("ahead", entries, ciphers)
    rows = VaultEntry.objects.filter(linkage_domain="ahead")
    stored = {e.token: bytes(e.ciphertext) for e in rows}
    assert stored == ciphers and fernet.decrypt(stored["PERSON_B"]) == b"Bob"


def test_a_column_the_k_step_left_as_it_was_still_gets_its_rule() -> None:
    """With a target k the search may keep a quasi-identifier at level 0: its value is then
    the raw one, and the column's own rule (mask here) must still apply."""
    from collections import Counter

    from anonymizer.engine.transform import OperatorSpec, PolicySpec
    from anonymizer.exports.files import _fields
    from anonymizer.exports.plan import Plan

    columns = PolicySpec(rules={"postcode": OperatorSpec("mask", {"keep_last": 0})})
    plan = Plan(spec=PolicySpec(rules={}), columns=columns, key=b"k" * 32,
                kept_columns=["postcode"], suppressed=set(), generalized={})
    counts: dict[str, Counter[str]] = {}
    level0 = _fields({"postcode": "LS1 4AB"}, plan, {"postcode": "LS1 4AB"}, counts, {})
    coarser = _fields({"postcode": "LS1 4AB"}, plan, {"postcode": "LS1*"}, counts, {})
    assert level0 == {"postcode": "*** ***"} and coarser == {"postcode": "LS1*"}
