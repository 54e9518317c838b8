"""Reading a batch for its export: records a chunk at a time as plain rows, and the spans each
goes out with (the rule of exports.selectors.final_spans, as plain values)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from django.db import connection

from anonymizer.engine.labels import is_hint
from anonymizer.exports.parallel import CHUNK, Spans
from anonymizer.models import DetectedSpan, Record, SourceBatch
from review.models import ItemState, ReviewItem, ReviewSpan, SpanStatus


def record_chunks(
    batch: SourceBatch, names: tuple[str, ...]
) -> Iterator[tuple[list[tuple[Any, ...]], Spans]]:
    """The batch's records in file order, CHUNK at a time (`names`: the values read; the
    first is "id"; "fields" comes decoded), with the spans each leaves with."""
    decode = names.index("fields") if "fields" in names else None
    for chunk, spans in raw_chunks(batch, names):
        if decode is not None:
            chunk = [(*r[:decode], _json(r[decode]), *r[decode + 1 :]) for r in chunk]
        yield chunk, spans


def raw_chunks(
    batch: SourceBatch, names: tuple[str, ...]
) -> Iterator[tuple[list[tuple[Any, ...]], Spans]]:
    """record_chunks with "fields" as the driver gives it (decoded where it is used)."""
    records = Record.objects.filter(batch=batch).order_by("position")
    last = 0
    while True:
        rows = fetch(records.filter(position__gt=last).values_list("position", *names)[:CHUNK])
        if not rows:
            return
        first, last = rows[0][0], rows[-1][0]
        yield [row[1:] for row in rows], chunk_spans(batch, first, last)


def fetch(queryset: Any) -> list[tuple[Any, ...]]:
    """A values_list queryset's rows as the database driver returns them: the ORM writes the
    SQL, but no per-row work (an export reads every record and span of a batch twice); a
    JSON column comes as its text."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def chunk_spans(batch: SourceBatch, first: int, last: int) -> Spans:
    """selectors.final_spans for the records at positions first..last, read as plain values:
    the reviewed set where a person reviewed the record (an empty list when they rejected
    every span), else the machine's detections of the current run without review hints."""
    in_chunk = {"batch": batch, "record__position__gte": first, "record__position__lte": last}
    done = ReviewItem.objects.filter(state=ItemState.DONE, **in_chunk)
    spans: Spans = {rid: [] for (rid,) in fetch(done.values_list("record_id"))}
    for rid, start, end, label in fetch(
        ReviewSpan.objects.filter(item__in=done)
        .exclude(status=SpanStatus.REJECTED)
        .order_by("item_id", "start", "id")
        .values_list("item__record_id", "start", "end", "label")
    ):
        spans[rid].append((start, end, label))
    if not batch.current_run_id:
        return spans
    hints: dict[str, bool] = {}
    machine = (
        DetectedSpan.objects.filter(
            run_id=batch.current_run_id,
            record__batch=batch,
            record__position__gte=first,
            record__position__lte=last,
        )
        .exclude(record__review_item__state=ItemState.DONE)
        .order_by("record_id", "start")
        .values_list("record_id", "start", "end", "label")
    )
    for rid, start, end, label in fetch(machine):
        hint = hints.get(label)
        if hint is None:
            hint = hints[label] = is_hint(label)
        if not hint:
            spans.setdefault(rid, []).append((start, end, label))
    return spans


