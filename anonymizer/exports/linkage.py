"""Linkage tests of a finished export (engine.linkage): an officer uploads an external table
and names the columns it shares with the export; Veil joins the two and searches the exported
text for the table's direct identifiers, as an attacker holding that table would. The result,
counts and export record ids only, is stored, audited, and shown on the export's page and in
its report. A policy may require a passed test before the export's files are released.

The external table is read once, in memory, and never stored (its sha256 is)."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction

from anonymizer import permissions
from anonymizer.engine.linkage import linkage_test
from anonymizer.exports.selectors import ExportError, export_file
from anonymizer.models import ExportedDataset, LinkageTest
from audit.services import audit_log

MAX_EXTERNAL_ROWS = 1_000_000
MAX_COLUMNS = 200


class LinkageError(ValueError):
    """The test cannot run; the message holds no cell values."""


def read_external(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """The external table: CSV with a header row, UTF-8 (a BOM is allowed)."""
    if len(data) > settings.VEIL_MAX_UPLOAD_BYTES:
        raise LinkageError("The table is larger than the upload limit.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LinkageError(f"The table is not UTF-8 (byte {exc.start}).") from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip() for h in (reader.fieldnames or []) if h and h.strip()]
        if not header:
            raise LinkageError("The table needs a header row naming its columns.")
        if len(header) > MAX_COLUMNS or len(set(header)) != len(header):
            raise LinkageError("The header must name at most 200 distinct columns.")
        rows = []
        for number, row in enumerate(reader, start=2):
            if None in row:
                raise LinkageError(f"Line {number} has more cells than the header.")
            rows.append({k.strip(): (v or "") for k, v in row.items() if k})
            if len(rows) > MAX_EXTERNAL_ROWS:
                raise LinkageError(f"The table has more than {MAX_EXTERNAL_ROWS} rows.")
    except csv.Error as exc:
        raise LinkageError(f"The table is not valid CSV: {exc}.") from None
    return header, rows


def released_records(export: ExportedDataset) -> list[tuple[str, dict[str, Any], str]]:
    """(record id, released fields, released text) of each exported record, from the
    export's own records.jsonl: what actually left, not what the database holds."""
    path = export_file(export, "records.jsonl")
    if export.status != ExportedDataset.Status.DONE or path is None or not path.exists():
        raise ExportError("Only a finished export with its files can be tested.")
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                out.append((str(row.get("id", "")), dict(row.get("fields") or {}),
                            str(row.get("text") or "")))
    return out


def linkage_run(*, actor: Any, export: ExportedDataset, data: bytes, shared: dict[str, str],
                identifiers: list[str]) -> LinkageTest:
    """Run and store one test. Officers only; raises LinkageError or ExportError with nothing
    stored."""
    if not permissions.is_officer(actor):
        raise PermissionDenied("Only privacy officers run linkage tests.")
    header, rows = read_external(data)
    unknown = sorted((set(shared) | set(identifiers)) - set(header))
    if unknown:
        raise LinkageError(f"The table has no column {', '.join(repr(u) for u in unknown)}.")
    if not shared and not identifiers:
        raise LinkageError("Name at least one shared column or one identifier column.")
    released = released_records(export)
    released_columns = {c for _, fields, _ in released for c in fields}
    missing = sorted(set(shared.values()) - released_columns)
    if missing and released:
        raise LinkageError(f"The export has no column {', '.join(repr(m) for m in missing)}.")
    result = linkage_test(rows, released, shared, identifiers)
    figures = result.as_dict()
    with transaction.atomic():
        test = LinkageTest.objects.create(
            export=export, created_by=actor, external_sha256=hashlib.sha256(data).hexdigest(),
            external_rows=len(rows), shared_columns=shared, identifier_columns=identifiers,
            result=figures, passed=result.passed,
        )
        audit_log(actor=actor, action="export.linkage_tested",
                  batch_public_id=export.batch.public_id, target=export, payload={
                      "export": str(export.public_id), "test": str(test.public_id),
                      "external_rows": len(rows), "external_sha256": test.external_sha256,
                      "shared_columns": sorted(shared), "identifier_columns": identifiers,
                      "unique_matches": figures["unique_matches"],
                      "reidentified_rows": figures["reidentified_rows"],
                      "text_hits": figures["text_hits"], "passed": result.passed,
                  })
    return test


def linkage_passed(export: ExportedDataset) -> bool:
    """Whether the export's latest linkage test passed (what a policy may require)."""
    latest = export.linkage_tests.order_by("-created_at", "-id").first()
    return latest is not None and latest.passed


def release_blocked(export: ExportedDataset) -> str:
    """Why the export's files may not be released yet, or "" when they may."""
    rules = export.policy.tabular or {}
    if rules.get("require_linkage_test") and not linkage_passed(export):
        return "Its policy requires a passed linkage test before the files are released."
    return ""
