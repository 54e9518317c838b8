"""Writing an export's files: each exportable record transformed under the policy (its text,
its structured columns and its id), to JSON lines and CSV, read and written a chunk of records
at a time; files are 0600 (the `.partial` directory they go into: services)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from django.db import connection

from anonymizer.engine.labels import is_hint
from anonymizer.engine.transform import (
    Memo,
    OperatorSpec,
    PolicySpec,
    Range,
    TransformResult,
    apply_operator,
    policy_from_dict,
    transform_ranges,
)
from anonymizer.exports.keys import linkage_key
from anonymizer.exports.residual import ResidualScan
from anonymizer.exports.selectors import EXPORTABLE
from anonymizer.models import DetectedSpan, ExportedDataset, Record, SourceBatch
from audit.cells import neutralise_cell
from review.models import ItemState, ReviewItem, ReviewSpan, SpanStatus

CHUNK = 2000
RECORD_FILES = ("records.jsonl", "records.csv")
SUPPRESSED = "suppressed_for_k_anonymity"
ID_LABEL = "RECORD_ID"

Progress = Callable[[int], None]


@dataclass
class Tally:
    """What the export did, in counts only (the manifest's figures), plus the pseudonyms
    made, for the vault."""

    exported: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    changes: Counter[tuple[str, str]] = field(default_factory=Counter)  # (type, operator)
    by_status: Counter[str] = field(default_factory=Counter)
    vault: dict[str, tuple[str, str]] = field(default_factory=dict)
    residual: ResidualScan = field(default_factory=ResidualScan)
    column_counts: dict[str, Counter[str]] = field(default_factory=dict)
    # For the utility report (exports.utility): characters in and changed, and per exported
    # record its raw and transformed text with the label's value (when the export names a
    # label column), and its raw and released kept columns. Counts and figures leave; these
    # never leave the process.
    chars_total: int = 0
    chars_changed: int = 0
    samples: list[tuple[str, str, str]] = field(default_factory=list)
    raw_rows: list[dict[str, Any]] = field(default_factory=list)
    released_rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def per_type(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for (label, _), n in self.changes.items():
            counts[label] += n
        return counts

    @property
    def per_operator(self) -> Counter[str]:
        return Counter({f"{label}:{op}": n for (label, op), n in self.changes.items()})

    @property
    def surrogated_types(self) -> list[str]:
        """The types that left as realistic surrogates (the manifest says so)."""
        return sorted({label for label, op in self.changes if op == "surrogate"})


@dataclass(frozen=True)
class Plan:
    """How one export transforms records: text rules, column rules, key, columns kept, and
    the k-anonymity step's suppressed records and generalized values. `memo` holds the
    pseudonyms made under `key` during this export (engine.transform.apply_operator)."""

    spec: PolicySpec
    columns: PolicySpec
    key: bytes
    kept_columns: list[str]
    suppressed: set[int]
    generalized: dict[int, dict[str, str]]
    id_spec: OperatorSpec = OperatorSpec("pseudonymize")
    id_source: str = "default"
    utility_label: str = ""  # a structured column the utility report's classifier predicts
    memo: Memo = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def column_specs(self) -> list[tuple[str, OperatorSpec, str]]:
        """Per kept column: its rule and the type its values are treated as."""
        return [
            (c, spec, str(spec.params.get("entity_type", c.upper())))
            for c in self.kept_columns
            for spec in (self.columns.operator_for(c),)
        ]

    @cached_property
    def keep_columns(self) -> list[str]:
        """Kept columns whose rule is keep: verbatim unless the k-anonymity step changed them."""
        return [c for c, spec, _ in self.column_specs if spec.operator == "keep"]


def kept_columns(batch: SourceBatch, column_rules: dict[str, Any]) -> list[str]:
    """The structured columns the policy keeps in some form (unnamed ones are dropped)."""
    columns = policy_from_dict({"rules": column_rules})
    return [
        c
        for c in batch.structured_columns
        if c in columns.rules and columns.rules[c].operator != "redact"
    ]


def id_rule_of(id_rule: dict[str, Any] | None) -> tuple[OperatorSpec, str]:
    """The policy's rule for the id column, or the fail-closed default when it names none:
    a keyed pseudonym of the linkage domain (the same id links only within one domain)."""
    if not id_rule:
        return OperatorSpec("pseudonymize"), "default"
    return policy_from_dict({"rules": {"id": id_rule}}).rules["id"], "policy"


def make_plan(
    export: ExportedDataset, kept: list[str], suppressed: set[int], generalized: dict[int, Any]
) -> Plan:
    policy = export.policy
    id_spec, id_source = id_rule_of(policy.id_rule)
    return Plan(
        spec=policy_from_dict(policy.rules),
        columns=policy_from_dict({"rules": policy.column_rules}),
        key=linkage_key(policy.linkage_domain),
        kept_columns=kept,
        suppressed=suppressed,
        generalized=generalized,
        id_spec=id_spec,
        id_source=id_source,
        utility_label=export.utility_label,
    )


class RecordFiles:
    """records.jsonl and records.csv, written side by side, a chunk of records at a time."""

    def __init__(self, directory: Path, columns: list[str]) -> None:
        self.columns = columns
        self._jsonl: TextIO = private_open(directory / "records.jsonl")
        self._csv_file: TextIO = private_open(directory / "records.csv", newline="")
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow(["id", "text", *columns])
        self._lines: list[str] = []
        self._rows: list[list[str]] = []

    def write(self, external_id: str, text: str, fields: dict[str, Any]) -> None:
        line = {"id": external_id, "text": text, "fields": fields}
        self._lines.append(_dumps(line))
        cells = [external_id, text, *(fields.get(c) for c in self.columns)]
        self._rows.append([neutralise_cell(c) for c in cells])

    def flush(self) -> None:
        """Write out what write() collected."""
        self._lines.append("")
        self._jsonl.write("\n".join(self._lines))
        self._csv.writerows(self._rows)
        self._lines, self._rows = [], []

    def __enter__(self) -> RecordFiles:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if kind is None:
                self.flush()
        finally:
            self._jsonl.close()
            self._csv_file.close()


_dumps = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(.., ensure_ascii=False)


def write_records(
    export: ExportedDataset, directory: Path, plan: Plan, progress: Progress | None
) -> Tally:
    """Collect what the export transforms in any record of the batch (the residual scan's
    first pass), then transform, scan and write every exportable record, a chunk at a time,
    reporting progress."""
    tally = Tally()
    ExportedDataset.objects.filter(pk=export.pk).update(records_total=export.batch.record_count)
    for chunk, spans in record_chunks(export.batch, ("id", "text", "fields")):
        for rid, text, fields in chunk:  # every record, exported or not: a name found in one
            _collect(rid, text, fields, spans.get(rid, ()), plan, tally.residual)  # still
            # waiting for review must not leave verbatim in another that is exported
    tally.residual.build()
    done = 0
    with RecordFiles(directory, plan.kept_columns) as files:
        for chunk, spans in record_chunks(export.batch, RECORD_FIELDS):
            for row in chunk:
                _write_record(row, spans.get(row[0], ()), plan, files, tally)
            files.flush()
            if progress is not None:
                progress(len(chunk))
            done += len(chunk)
            ExportedDataset.objects.filter(pk=export.pk).update(records_done=done)
    return tally


RECORD_FIELDS = ("id", "external_id", "text", "fields", "status")
Row = tuple[int, str, str, dict[str, Any], str]  # the values of RECORD_FIELDS
Spans = dict[int, list[Range]]  # record id -> its spans as (start, end, label), in text order


def record_chunks(
    batch: SourceBatch, names: tuple[str, ...]
) -> Iterator[tuple[list[tuple[Any, ...]], Spans]]:
    """The batch's records in file order, CHUNK at a time (`names`: the values read; the
    first is "id"; "fields" comes decoded), with the spans each leaves with."""
    records = Record.objects.filter(batch=batch).order_by("position")
    decode = names.index("fields") + 1 if "fields" in names else None
    last = 0
    while True:
        rows = fetch(records.filter(position__gt=last).values_list("position", *names)[:CHUNK])
        if not rows:
            return
        first, last = rows[0][0], rows[-1][0]
        if decode is None:
            chunk = [row[1:] for row in rows]
        else:
            chunk = [(*r[1:decode], _json(r[decode]), *r[decode + 1 :]) for r in rows]
        yield chunk, chunk_spans(batch, first, last)


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


def _collect(
    rid: int,
    text: str,
    fields: dict[str, Any] | None,
    spans: Sequence[Range],
    plan: Plan,
    scan: ResidualScan,
) -> None:
    """The strings this record's export replaces: span texts, and the values of columns that
    a column rule or the k-anonymity step changes."""
    scan.add_record(text, spans, plan.spec)
    if not plan.kept_columns or not fields:
        return
    generalized = plan.generalized.get(rid, {})
    for column, spec, label in plan.column_specs:
        value = fields.get(column)
        if value in (None, "") or (spec.operator == "keep" and column not in generalized):
            continue
        scan.add(value if isinstance(value, str) else json.dumps(value), label)


def _write_record(
    row: Row, spans: Sequence[Range], plan: Plan, files: RecordFiles, tally: Tally
) -> None:
    rid, external_id, text, record_fields, status = row
    if status not in EXPORTABLE:
        tally.left_out[status] += 1
        return
    if rid in plan.suppressed:
        tally.left_out[SUPPRESSED] += 1
        return
    scan, key, memo = tally.residual, plan.key, plan.memo
    subject = _subject(external_id, record_fields, plan)
    result = transform_ranges(text, spans, plan.spec, key, memo, subject)
    result, found, left = scan.clean_text(text, spans, result, plan.spec, key, memo, subject)
    _count_changes(text, result, tally)
    generalized = plan.generalized.get(rid, {})
    fields = _fields(record_fields or {}, plan, generalized, tally.column_counts)
    verbatim = [c for c in plan.keep_columns if c not in generalized]
    in_fields, left_in_fields = scan.clean_fields(fields, verbatim, plan.spec, key, memo)
    exported_id = export_id(external_id, plan, tally)
    scan.record(exported_id, found + in_fields, left + left_in_fields)
    files.write(exported_id, result.text, fields)
    _for_utility(text, result, record_fields or {}, fields, plan, tally)
    tally.by_status[status] += 1
    tally.exported += 1


def _for_utility(text: str, result: TransformResult, raw: dict[str, Any],
                 released: dict[str, Any], plan: Plan, tally: Tally) -> None:
    tally.chars_total += len(text)
    tally.chars_changed += sum(c.end - c.start for c in result.changes)
    if plan.utility_label:
        label = raw.get(plan.utility_label)
        if label not in (None, ""):
            tally.samples.append((text, result.text, str(label)))
    if plan.kept_columns:
        tally.raw_rows.append({c: raw.get(c) for c in plan.kept_columns})
        tally.released_rows.append(released)


def _count_changes(text: str, result: TransformResult, tally: Tally) -> None:
    """Per type and operator, and every pseudonym made, for the vault (the token is what the
    operator wrote: the output's text at the change)."""
    tally.changes.update(map(_TYPE_AND_OPERATOR, result.changes))
    for change in result.changes:
        if change.operator in VAULTED:
            token = result.text[change.new_start : change.new_end]
            tally.vault[token] = (change.label, text[change.start : change.end])


_TYPE_AND_OPERATOR = itemgetter(4, 5)  # of a Change: (label, operator)
# Operators whose outputs an officer may look up in the vault: keyed pseudonyms, and keyed
# surrogates (a fake name can stand for two customers: a lookup gives the first one stored).
VAULTED = frozenset({"pseudonymize", "surrogate"})
DATE_TYPES = ("DATE_TIME", "DATE_OF_BIRTH")


def _subject(external_id: str, record_fields: dict[str, Any] | None, plan: Plan) -> str:
    """Whose dates a surrogate shifts by one keyed offset: the value of the column the date
    rule names (`subject_column`, e.g. a customer id), else the record's own id."""
    for label in DATE_TYPES:
        spec = plan.spec.rules.get(label)
        column = spec.params.get("subject_column") if spec is not None else None
        if column and record_fields and record_fields.get(column) not in (None, ""):
            return str(record_fields[column])
    return external_id


def export_id(external_id: str, plan: Plan, tally: Tally) -> str:
    """The record's id as it leaves, under the policy's id rule (a pseudonym goes to the
    vault, so an officer can still find the source record)."""
    value = apply_operator(external_id, ID_LABEL, plan.id_spec, plan.key)
    if plan.id_spec.operator == "pseudonymize":
        tally.vault[value] = (ID_LABEL, external_id)
    return value


def _fields(
    original: dict[str, Any],
    plan: Plan,
    generalized: dict[str, str],
    counts: dict[str, Counter[str]],
) -> dict[str, Any]:
    """Each kept column's value is one span: its operator's output is the whole value (its
    rule's `entity_type` param, default the column name in capitals, tells generalize what
    kind of value it is), unless the k-anonymity step generalized it. Counts per kept column
    the values seen and how many left changed (for the manifest)."""
    out: dict[str, Any] = {}
    for column, spec, label in plan.column_specs:
        value = original.get(column)
        if value is None or value == "":
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        done = generalized.get(column)
        if done is None:
            done = apply_operator(text, label, spec, plan.key, plan.memo)
        out[column] = done
        tally = counts.get(column)
        if tally is None:
            tally = counts[column] = Counter()
        tally["values"] += 1
        tally["changed" if done != text else "unchanged"] += 1
    for column, value in generalized.items():
        out.setdefault(column, value)  # a column the record has no value in
    return out


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


def file_entry(path: Path) -> dict[str, Any]:
    """A file's line in the manifest: its sha256 and size."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}


def private_open(path: Path, newline: str | None = None) -> TextIO:
    """A new file for writing that only the owner may read (0600 from its creation on)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline=newline)


def write_json(directory: Path, name: str, value: dict[str, Any]) -> None:
    with private_open(directory / name) as handle:
        handle.write(json.dumps(value, indent=2))
