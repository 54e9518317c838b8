"""Writing an export's files: each exportable record transformed under the policy (its text,
its structured columns and its id), to JSON lines and CSV, read and written a chunk of records
at a time; files are 0600 (the `.partial` directory they go into: services)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import pickle
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from anonymizer.engine.labels import strength
from anonymizer.engine.transform import (
    Range,
    TransformResult,
    apply_operator,
    transform_ranges,
)
from anonymizer.exports.keys import vault_fernet
from anonymizer.exports.parallel import JOB, export_workers, in_order, read_once_budget
from anonymizer.exports.parallel import Background as Background  # re-exported, as are:
from anonymizer.exports.plan import Plan, Tally
from anonymizer.exports.plan import id_rule_of as id_rule_of
from anonymizer.exports.plan import kept_columns as kept_columns
from anonymizer.exports.plan import make_plan as make_plan
from anonymizer.exports.reading import ReadOnce, _json
from anonymizer.exports.reading import chunk_spans as chunk_spans  # re-exported
from anonymizer.exports.reading import record_chunks as record_chunks
from anonymizer.exports.residual import ResidualScan
from anonymizer.exports.selectors import EXPORTABLE
from anonymizer.models import ExportedDataset
from audit.cells import neutralise_cell

RECORD_FILES = ("records.jsonl", "records.csv")
SUPPRESSED = "suppressed_for_k_anonymity"
ID_LABEL = "RECORD_ID"

Progress = Callable[[int], None]


class RecordFiles:
    """records.jsonl and records.csv, written side by side, a chunk of records at a time."""

    def __init__(self, directory: Path, columns: list[str]) -> None:
        self.columns = columns
        self._jsonl: TextIO = private_open(directory / "records.jsonl")
        self._csv_file: TextIO = private_open(directory / "records.csv", newline="")
        csv.writer(self._csv_file).writerow(["id", "text", *columns])
        self._chunk = ChunkLines(columns)

    def write(self, external_id: str, text: str, fields: dict[str, Any]) -> None:
        self._chunk.write(external_id, text, fields)

    def flush(self) -> None:
        """Write out what write() collected."""
        self.write_text(*self._chunk.text())

    def write_text(self, lines: str, rows: str) -> None:
        """A chunk's JSON lines and CSV rows, as ChunkLines.text made them."""
        self._jsonl.write(lines)
        self._csv_file.write(rows)

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


class ChunkLines:
    """A chunk's records as the text of its JSON lines and of its CSV rows (made where the
    chunk is transformed: in a worker process, on the parallel path)."""

    def __init__(self, columns: list[str]) -> None:
        self.columns = columns
        self._lines: list[str] = []
        self._rows: list[list[str]] = []

    def write(self, external_id: str, text: str, fields: dict[str, Any]) -> None:
        line = {"id": external_id, "text": text, "fields": fields}
        self._lines.append(_dumps(line))
        cells = [external_id, text, *(fields.get(c) for c in self.columns)]
        self._rows.append([neutralise_cell(c) for c in cells])

    def text(self) -> tuple[str, str]:
        """(JSON lines, CSV rows) of what write() collected, and a fresh start."""
        lines = "".join(line + "\n" for line in self._lines)
        out = io.StringIO(newline="")
        csv.writer(out).writerows(self._rows)
        self._lines, self._rows = [], []
        return lines, out.getvalue()


_dumps = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps(.., ensure_ascii=False)


def write_records(
    export: ExportedDataset, directory: Path, plan: Plan, progress: Progress | None
) -> Tally:
    """Collect what the export transforms in any record of the batch (the residual scan's
    first pass), then transform, scan and write every exportable record, a chunk at a time,
    reporting progress; the chunks are read once for both passes as far as
    read_once_budget allows (reading.ReadOnce). On the parallel path (export_workers)
    forked worker processes collect and transform the chunks the parent reads, and the
    parent merges what they return in file order: the same files and figures as the serial
    path."""
    tally = Tally()
    total = export.batch.record_count
    ExportedDataset.objects.filter(pk=export.pk).update(records_total=total)
    workers = export_workers(total)
    JOB["plan"], JOB["scan"] = plan, tally.residual
    chunks = ReadOnce(export.batch, RECORD_FIELDS, read_once_budget())
    try:
        strings = tally.residual.strings
        # Every record, exported or not: a name found in one still waiting for review must
        # not leave verbatim in another that is exported.
        in_order(_collect_chunk, chunks.first(), workers,
                 lambda _, part: merge_strings(strings, part))
        tally.residual.build()
        done = 0
        with RecordFiles(directory, plan.kept_columns) as files:

            # the workers make the vault ciphertexts of their chunks' new tokens (the parent,
            # which reads, merges and writes, is the busiest process)
            JOB["fernet"] = vault_fernet() if workers else None

            def written(n: int, out: ChunkOut) -> None:
                nonlocal done
                files.write_text(out.lines, out.rows)
                merge_tally(tally, out)
                tally.ciphers.update(out.ciphers)
                if progress is not None:
                    progress(n)
                done += n
                ExportedDataset.objects.filter(pk=export.pk).update(records_done=done)

            in_order(_write_chunk, chunks.second(), workers, written)
    finally:
        JOB.clear()
    return tally


_ENCRYPTED: set[str] = set()  # in a worker process: the tokens it made ciphertexts of


def encrypt_ahead(entries: dict[str, tuple[str, str]]) -> dict[str, bytes]:
    """In a worker (JOB["fernet"] set), the vault ciphertexts of a chunk's tokens it has not
    encrypted before (exports.vault stores only the tokens the vault lacks, and uses these
    for them; a token both workers meet is encrypted twice, either one stored)."""
    fernet = JOB.get("fernet")
    if fernet is None:
        return {}
    made = {}
    for token, (_, original) in entries.items():
        if token not in _ENCRYPTED:
            _ENCRYPTED.add(token)
            made[token] = fernet.encrypt(original.encode())
    return made


def _collect_chunk(chunk: bytes) -> dict[str, str]:
    """The residual scan's first pass over one chunk (reading.ReadOnce): its strings
    (normalised -> label)."""
    plan, scan = JOB["plan"], ResidualScan()
    rows, spans = pickle.loads(chunk)
    for rid, _, text, fields, _ in rows:
        _collect(rid, text, _json(fields), spans.get(rid, ()), plan, scan)
    return scan.strings


def merge_strings(into: dict[str, str], part: dict[str, str]) -> None:
    """A chunk's strings into the export's, as ResidualScan.add keeps them: per string the
    first of its strongest labels (chunks merged in file order)."""
    for key, label in part.items():
        known = into.get(key)
        if known is None or (known != label and strength(label) > strength(known)):
            into[key] = label


@dataclass
class ChunkOut:
    """What transforming one chunk gave: its file text, its tally (without the scan's index),
    the residual scan's counts and the vault ciphertexts of its new tokens."""

    lines: str
    rows: str
    tally: Tally
    residual: ResidualScan
    ciphers: dict[str, bytes]  # vault ciphertexts made ahead (encrypt_ahead)


def _write_chunk(chunk: bytes) -> ChunkOut:
    plan, scan = JOB["plan"], JOB["scan"].counting()
    rows, spans = pickle.loads(chunk)
    tally, lines = Tally(residual=scan), ChunkLines(plan.kept_columns)
    for rid, external_id, text, fields, status in rows:
        row = (rid, external_id, text, _json(fields), status)
        _write_record(row, spans.get(rid, ()), plan, lines, tally)
    tally.residual = ResidualScan()  # its index is the export's: it stays where it is
    return ChunkOut(*lines.text(), tally, scan.counts(), encrypt_ahead(tally.vault))


def merge_tally(into: Tally, out: ChunkOut) -> None:
    """A chunk's tally into the export's (in file order: the same as one tally throughout)."""
    part = out.tally
    into.exported += part.exported
    into.left_out.update(part.left_out)
    into.changes.update(part.changes)
    into.by_status.update(part.by_status)
    into.vault.update(part.vault)
    into.residual.add_counts(out.residual)
    for column, counts in part.column_counts.items():
        into.column_counts.setdefault(column, Counter()).update(counts)
    into.chars_total += part.chars_total
    into.chars_changed += part.chars_changed
    into.samples += part.samples
    into.raw_rows += part.raw_rows
    into.released_rows += part.released_rows


RECORD_FIELDS = ("id", "external_id", "text", "fields", "status")
Row = tuple[int, str, str, dict[str, Any], str]  # the values of RECORD_FIELDS
Spans = dict[int, list[Range]]  # record id -> its spans as (start, end, label), in text order


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
    row: Row, spans: Sequence[Range], plan: Plan, files: ChunkLines | RecordFiles,
    tally: Tally,
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
    fields = _fields(record_fields or {}, plan, generalized, tally.column_counts, tally.vault)
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
    vault: dict[str, tuple[str, str]],
) -> dict[str, Any]:
    """Each kept column's value is one span: its operator's output is the whole value (its
    rule's `entity_type` param, default the column name in capitals, tells generalize what
    kind of value it is), unless the k-anonymity step generalized it. Counts per kept column
    the values seen and how many left changed (for the manifest); a keyed pseudonym or
    surrogate goes to the vault, as in the text, so an officer can look it up."""
    out: dict[str, Any] = {}
    for column, spec, label in plan.column_specs:
        value = original.get(column)
        if value is None or value == "":
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        done = generalized.get(column)
        if done is None or done == text:  # the k-step left it as it was (level 0): its rule
            done = apply_operator(text, label, spec, plan.key, plan.memo)
            if spec.operator in VAULTED and done != text:
                vault[done] = (label, text)
        out[column] = done
        tally = counts.get(column)
        if tally is None:
            tally = counts[column] = Counter()
        tally["values"] += 1
        tally["changed" if done != text else "unchanged"] += 1
    for column, value in generalized.items():
        out.setdefault(column, value)  # a column the record has no value in
    return out


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
