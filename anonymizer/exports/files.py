"""Writing an export's files: each exportable record transformed under the policy, to JSON
lines and CSV, into a `.partial` directory that becomes the export's directory only whole."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from anonymizer.engine.transform import PolicySpec, Span, policy_from_dict, pseudonym, transform
from anonymizer.exports.keys import linkage_key
from anonymizer.exports.residual import ResidualScan
from anonymizer.exports.selectors import EXPORTABLE, final_spans
from anonymizer.models import ExportedDataset, Record, SourceBatch
from audit.cells import neutralise_cell

CHUNK = 1000
RECORD_FILES = ("records.jsonl", "records.csv")
SUPPRESSED = "suppressed_for_k_anonymity"

Progress = Callable[[int], None]


@dataclass
class Tally:
    """What the export did, in counts only (the manifest's figures), plus the pseudonyms
    made, for the vault."""

    exported: int = 0
    left_out: Counter[str] = field(default_factory=Counter)
    per_type: Counter[str] = field(default_factory=Counter)
    per_operator: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    vault: dict[str, tuple[str, str]] = field(default_factory=dict)
    residual: ResidualScan = field(default_factory=ResidualScan)


@dataclass(frozen=True)
class Plan:
    """How one export transforms records: text rules, column rules, key, columns kept, and
    the k-anonymity step's suppressed records and generalized values."""

    spec: PolicySpec
    columns: PolicySpec
    key: bytes
    kept_columns: list[str]
    suppressed: set[int]
    generalized: dict[int, dict[str, str]]


def kept_columns(batch: SourceBatch, column_rules: dict[str, Any]) -> list[str]:
    """The structured columns the policy keeps in some form (unnamed ones are dropped)."""
    columns = policy_from_dict({"rules": column_rules})
    return [
        c
        for c in batch.structured_columns
        if c in columns.rules and columns.rules[c].operator != "redact"
    ]


def make_plan(
    export: ExportedDataset, kept: list[str], suppressed: set[int], generalized: dict[int, Any]
) -> Plan:
    policy = export.policy
    return Plan(
        spec=policy_from_dict(policy.rules),
        columns=policy_from_dict({"rules": policy.column_rules}),
        key=linkage_key(policy.linkage_domain),
        kept_columns=kept,
        suppressed=suppressed,
        generalized=generalized,
    )


class RecordFiles:
    """records.jsonl and records.csv, written side by side."""

    def __init__(self, directory: Path, columns: list[str]) -> None:
        self.columns = columns
        self._jsonl: TextIO = (directory / "records.jsonl").open("w", encoding="utf-8")
        self._csv_file: TextIO = (directory / "records.csv").open("w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow(["id", "text", *columns])

    def write(self, external_id: str, text: str, fields: dict[str, Any]) -> None:
        line = {"id": external_id, "text": text, "fields": fields}
        self._jsonl.write(json.dumps(line, ensure_ascii=False) + "\n")
        cells = [external_id, text, *(fields.get(c) for c in self.columns)]
        self._csv.writerow([neutralise_cell(c) for c in cells])

    def __enter__(self) -> RecordFiles:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._jsonl.close()
        self._csv_file.close()


def write_records(
    export: ExportedDataset, directory: Path, plan: Plan, progress: Progress | None
) -> Tally:
    """Collect what the export transforms (the residual scan's first pass), then transform,
    scan and write every exportable record, a chunk at a time, reporting progress."""
    tally = Tally()
    ids = list(
        Record.objects.filter(batch=export.batch).order_by("position").values_list("id", flat=True)
    )
    ExportedDataset.objects.filter(pk=export.pk).update(records_total=export.batch.record_count)
    for chunk, spans in _chunks(export.batch, ids):
        for record in chunk:
            if _exportable(record, plan):
                _collect(record, spans[record.id], plan, tally.residual)
    tally.residual.build()
    done = 0
    with RecordFiles(directory, plan.kept_columns) as files:
        for chunk, spans in _chunks(export.batch, ids):
            for record in chunk:
                _write_record(record, spans[record.id], plan, files, tally)
            if progress is not None:
                progress(len(chunk))
            done += len(chunk)
            ExportedDataset.objects.filter(pk=export.pk).update(records_done=done)
    return tally


def _chunks(
    batch: SourceBatch, ids: list[int]
) -> Iterator[tuple[list[Record], dict[int, list[Span]]]]:
    for start in range(0, len(ids), CHUNK):
        chunk = list(
            Record.objects.filter(id__in=ids[start : start + CHUNK])
            .order_by("position")
            .only("id", "external_id", "text", "fields", "status")
        )
        yield chunk, final_spans(batch, [r.id for r in chunk])


def _exportable(record: Record, plan: Plan) -> bool:
    return record.status in EXPORTABLE and record.id not in plan.suppressed


def _collect(record: Record, spans: list[Span], plan: Plan, scan: ResidualScan) -> None:
    """The strings this record's export replaces: span texts, and the values of columns that
    a column rule or the k-anonymity step changes."""
    scan.add_record(record.text, spans, plan.spec)
    generalized = plan.generalized.get(record.id, {})
    for column in plan.kept_columns:
        value = (record.fields or {}).get(column)
        spec = plan.columns.operator_for(column)
        if value in (None, "") or (spec.operator == "keep" and column not in generalized):
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        scan.add(text, str(spec.params.get("entity_type", column.upper())))


def _verbatim_columns(record: Record, plan: Plan) -> list[str]:
    """Columns whose value leaves as it came in."""
    generalized = plan.generalized.get(record.id, {})
    return [
        c
        for c in plan.kept_columns
        if plan.columns.operator_for(c).operator == "keep" and c not in generalized
    ]


def _write_record(
    record: Record, spans: list[Span], plan: Plan, files: RecordFiles, tally: Tally
) -> None:
    if record.status not in EXPORTABLE:
        tally.left_out[record.status] += 1
        return
    if record.id in plan.suppressed:
        tally.left_out[SUPPRESSED] += 1
        return
    scan = tally.residual
    result = transform(record.text, spans, plan.spec, plan.key)
    result, found, left = scan.clean_text(record.text, spans, result, plan.spec, plan.key)
    for change in result.changes:
        tally.per_type[change.label] += 1
        tally.per_operator[f"{change.label}:{change.operator}"] += 1
        if change.operator == "pseudonymize":
            original = record.text[change.start : change.end]
            tally.vault[pseudonym(original, change.label, plan.key)] = (change.label, original)
    fields = transform_fields(record.fields, plan.kept_columns, plan.columns, plan.key)
    fields.update(plan.generalized.get(record.id, {}))
    in_fields, left_in_fields = scan.clean_fields(
        fields, _verbatim_columns(record, plan), plan.spec, plan.key
    )
    scan.record(record.external_id, found + in_fields, left + left_in_fields)
    files.write(record.external_id, result.text, fields)
    tally.by_status[record.status] += 1
    tally.exported += 1


def transform_fields(
    fields: dict[str, Any], kept: list[str], columns: PolicySpec, key: bytes
) -> dict[str, Any]:
    """Each kept column's value is one span; its rule's `entity_type` param (default: the
    column name in capitals) tells generalize what kind of value it is."""
    out: dict[str, Any] = {}
    for column in kept:
        value = fields.get(column)
        if value is None or value == "":
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        spec = columns.operator_for(column)
        label = str(spec.params.get("entity_type", column.upper()))
        out[column] = transform(
            text, [Span(0, len(text), label)], PolicySpec({label: spec}), key
        ).text
    return out


def file_entry(path: Path) -> dict[str, Any]:
    """A file's line in the manifest: its sha256 and size."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size}


def write_json(directory: Path, name: str, value: dict[str, Any]) -> None:
    (directory / name).write_text(json.dumps(value, indent=2), encoding="utf-8")


def fresh_partial(directory: Path) -> Path:
    tmp = directory.with_name(directory.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def publish(tmp: Path, directory: Path) -> None:
    """Replace the export's directory by the finished one in one rename."""
    shutil.rmtree(directory, ignore_errors=True)
    tmp.rename(directory)
