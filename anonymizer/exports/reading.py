"""Reading a batch for its export: records a chunk at a time as plain rows, and the spans each
goes out with (the rule of exports.selectors.final_spans, as plain values); read once for both
of an export's passes where memory allows (ReadOnce)."""

from __future__ import annotations

import json
import pickle
from collections import deque
from collections.abc import Iterator
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db import connection

from anonymizer.engine.labels import LABELS, is_hint
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
    batch: SourceBatch, names: tuple[str, ...], after: int = 0
) -> Iterator[tuple[list[tuple[Any, ...]], Spans]]:
    """record_chunks with "fields" as the driver gives it (decoded where it is used), from the
    record after position `after`."""
    for rows, spans, _ in _chunks(batch, names, after):
        yield rows, spans


def _chunks(
    batch: SourceBatch, names: tuple[str, ...], after: int
) -> Iterator[tuple[list[tuple[Any, ...]], Spans, int]]:
    """raw_chunks, each with the position of its last record."""
    records = Record.objects.filter(batch=batch).order_by("position")
    last = after
    while True:
        rows = fetch(records.filter(position__gt=last).values_list("position", *names)[:CHUNK])
        if not rows:
            return
        first, last = rows[0][0], rows[-1][0]
        yield [row[1:] for row in rows], chunk_spans(batch, first, last), last


Chunk = tuple[int, bytes]  # a chunk's record count, and its (rows, spans) pickled


class ReadOnce:
    """A batch's chunks for the two passes of an export (ReadOnce.first, then .second), each a
    Chunk: read from the database for the first pass, and kept, up to `budget` bytes, for
    the second, which reads again only the chunks past that (memory stays bounded)."""

    def __init__(self, batch: SourceBatch, names: tuple[str, ...], budget: int) -> None:
        self.batch, self.names, self.budget = batch, names, budget
        self._kept: deque[Chunk] = deque()
        self._kept_to = 0  # the position of the last kept chunk's last record
        self._rest = True  # chunks after it, to read again

    def first(self) -> Iterator[Chunk]:
        size, full = 0, False
        for rows, spans, last in _chunks(self.batch, self.names, 0):
            blob = pickle.dumps((rows, spans), protocol=pickle.HIGHEST_PROTOCOL)
            if not full and size + len(blob) <= self.budget:
                self._kept.append((len(rows), blob))
                size, self._kept_to = size + len(blob), last
            else:
                full = True
            yield len(rows), blob
        self._rest = full

    def second(self) -> Iterator[Chunk]:
        while self._kept:
            yield self._kept.popleft()  # each let go of as it goes
        if self._rest:
            for rows, spans, _ in _chunks(self.batch, self.names, self._kept_to):
                yield len(rows), pickle.dumps((rows, spans), protocol=pickle.HIGHEST_PROTOCOL)


def fetch(queryset: Any) -> list[tuple[Any, ...]]:
    """A values_list queryset's rows as the database driver returns them: the ORM writes the
    SQL, but no per-row work (an export reads every record and span of a batch); a
    JSON column comes as its text."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def chunk_spans(batch: SourceBatch, first: int, last: int) -> Spans:
    """The spans of the records at positions first..last (final_spans' rule)."""
    return final_ranges(batch, {"record__position__gte": first, "record__position__lte": last})


def final_ranges(batch: SourceBatch, records: dict[str, Any]) -> Spans:
    """The spans each record of `batch` matching `records` (filters on the record, written
    from a span's side: "record__position__gte", "record_id__in") leaves with, as plain
    (start, end, label) values: the reviewed set where a person reviewed the record (an
    empty list when they rejected every span), else the machine's detections of the current
    run without review hints. The one rule for the export (chunk_spans) and
    selectors.final_spans."""
    done = ReviewItem.objects.filter(state=ItemState.DONE, batch=batch, **records)
    spans: Spans = {rid: [] for (rid,) in fetch(done.values_list("record_id"))}
    rows = fetch(
        ReviewSpan.objects.filter(item__in=done)
        .exclude(status=SpanStatus.REJECTED)
        .order_by("item_id", "start", "id")
        .values_list("item__record_id", "start", "end", "label")
    )
    for rid, group in groupby(rows, _RECORD):  # a record's spans come together
        spans[rid].extend(map(_RANGE, group))
    if not batch.current_run_id:
        return spans
    machine = (
        DetectedSpan.objects.filter(run_id=batch.current_run_id, record__batch=batch, **records)
        .exclude(record__review_item__state=ItemState.DONE)
        .exclude(label__in=HINTS)
        .order_by("record_id", "start")
        .values_list("record_id", "start", "end", "label")
    )
    for rid, group in groupby(fetch(machine), _RECORD):
        spans.setdefault(rid, []).extend(map(_RANGE, group))
    return spans


_RECORD, _RANGE = itemgetter(0), itemgetter(1, 2, 3)  # of a span row: its record, its range
HINTS = sorted(label for label in LABELS if is_hint(label))  # review hints: not detections
