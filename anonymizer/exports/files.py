"""Writing an export's files: each exportable record transformed under the policy (its text,
its structured columns and its id), to JSON lines and CSV, into a `.partial` directory that
becomes the export's directory only whole. Folders are 0700 and files 0600; partial folders
of exports no longer running (a crashed worker's) are removed when the next export starts."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from anonymizer.engine.transform import (
    OperatorSpec,
    PolicySpec,
    Span,
    apply_operator,
    policy_from_dict,
    pseudonym,
    transform,
)
from anonymizer.exports.keys import linkage_key
from anonymizer.exports.residual import ResidualScan
from anonymizer.exports.selectors import EXPORTABLE, final_spans
from anonymizer.models import ExportedDataset, Record, SourceBatch
from audit.cells import neutralise_cell

CHUNK = 1000
RECORD_FILES = ("records.jsonl", "records.csv")
SUPPRESSED = "suppressed_for_k_anonymity"
ID_LABEL = "RECORD_ID"
PARTIAL = ".partial"

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
    column_counts: dict[str, Counter[str]] = field(default_factory=dict)
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)  # the manifest's report
    id_column: dict[str, Any] = field(default_factory=dict)


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
    id_spec: OperatorSpec = OperatorSpec("pseudonymize")
    id_source: str = "default"


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
    )


class RecordFiles:
    """records.jsonl and records.csv, written side by side."""

    def __init__(self, directory: Path, columns: list[str]) -> None:
        self.columns = columns
        self._jsonl: TextIO = private_open(directory / "records.jsonl")
        self._csv_file: TextIO = private_open(directory / "records.csv", newline="")
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
    """Collect what the export transforms in any record of the batch (the residual scan's
    first pass), then transform, scan and write every exportable record, a chunk at a time,
    reporting progress."""
    tally = Tally()
    ids = list(
        Record.objects.filter(batch=export.batch).order_by("position").values_list("id", flat=True)
    )
    ExportedDataset.objects.filter(pk=export.pk).update(records_total=export.batch.record_count)
    for chunk, spans in _chunks(export.batch, ids):
        for record in chunk:  # every record, exported or not: a name found in one still
            _collect(record, spans[record.id], plan, tally.residual)  # waiting for review
            # must not leave verbatim in another that is exported
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
    tally.columns = column_report(export.batch, plan, tally.column_counts)
    tally.id_column = id_report(export, plan)
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
    _count_columns(record.fields or {}, fields, plan, tally.column_counts)
    in_fields, left_in_fields = scan.clean_fields(
        fields, _verbatim_columns(record, plan), plan.spec, plan.key
    )
    exported_id = export_id(record.external_id, plan, tally)
    scan.record(exported_id, found + in_fields, left + left_in_fields)
    files.write(exported_id, result.text, fields)
    tally.by_status[record.status] += 1
    tally.exported += 1


def export_id(external_id: str, plan: Plan, tally: Tally) -> str:
    """The record's id as it leaves, under the policy's id rule (a pseudonym goes to the
    vault, so an officer can still find the source record)."""
    value = apply_operator(external_id, ID_LABEL, plan.id_spec, plan.key)
    if plan.id_spec.operator == "pseudonymize":
        tally.vault[value] = (ID_LABEL, external_id)
    return value


def _count_columns(
    original: dict[str, Any], out: dict[str, Any], plan: Plan, counts: dict[str, Counter[str]]
) -> None:
    """Per kept column: values seen, and how many left changed (for the manifest)."""
    for column in plan.kept_columns:
        value = original.get(column)
        if value is None or value == "":
            continue
        text = value if isinstance(value, str) else json.dumps(value)
        tally = counts.setdefault(column, Counter())
        tally["values"] += 1
        tally["changed" if out.get(column) != text else "unchanged"] += 1


def column_report(
    batch: SourceBatch, plan: Plan, counts: dict[str, Counter[str]]
) -> dict[str, dict[str, Any]]:
    """Every structured column's applied transformation: operator, parameters, the type its
    values were treated as, and counts; dropped columns with the reason."""
    report: dict[str, dict[str, Any]] = {}
    for column in batch.structured_columns:
        named = column in plan.columns.rules
        if column not in plan.kept_columns:
            reason = "redact" if named else "not named by the policy"
            report[column] = {"operator": "drop", "reason": reason}
            continue
        spec = plan.columns.operator_for(column)
        tally = counts.get(column, Counter())
        report[column] = {
            "operator": spec.operator,
            "params": dict(spec.params),
            "entity_type": str(spec.params.get("entity_type", column.upper())),
            "values": tally["values"],
            "changed": tally["changed"],
            "unchanged": tally["unchanged"],
            "generalized_for_k": sum(1 for g in plan.generalized.values() if column in g),
        }
    return report


def id_report(export: ExportedDataset, plan: Plan) -> dict[str, Any]:
    """The manifest's line on the id column: its operator, and whether the policy named it."""
    return {
        "column": export.batch.id_column or None,
        "operator": plan.id_spec.operator,
        "params": dict(plan.id_spec.params),
        "source": plan.id_source,
        "linkage_domain": export.policy.linkage_domain,
    }


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


def private_open(path: Path, newline: str | None = None) -> TextIO:
    """A new file for writing that only the owner may read (0600 from its creation on)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, "w", encoding="utf-8", newline=newline)


def write_json(directory: Path, name: str, value: dict[str, Any]) -> None:
    with private_open(directory / name) as handle:
        handle.write(json.dumps(value, indent=2))


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) owner-only: 0700."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)


def fresh_partial(directory: Path) -> Path:
    if not directory.parent.exists():
        private_dir(directory.parent)
    sweep_partials(directory.parent)
    tmp = directory.with_name(directory.name + PARTIAL)
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(mode=0o700)
    tmp.chmod(0o700)
    return tmp


def sweep_partials(root: Path) -> list[str]:
    """Remove the partial folders under `root` whose export is not running (left by a worker
    that died mid-export, or by an export since failed or redone); returns their names."""
    running = {
        str(pid)
        for pid in ExportedDataset.objects.filter(
            status=ExportedDataset.Status.RUNNING
        ).values_list("public_id", flat=True)
    }
    removed = []
    for path in root.glob(f"*{PARTIAL}"):
        if path.is_dir() and path.name[: -len(PARTIAL)] not in running:
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
    return removed


def publish(tmp: Path, directory: Path) -> None:
    """Replace the export's directory by the finished one in one rename; if that fails, the
    partial folder goes too (nothing half-written stays behind)."""
    try:
        shutil.rmtree(directory, ignore_errors=True)
        tmp.rename(directory)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
