"""Right to erasure: remove one person's strings from everything Veil keeps.

`subject_erase(actor, values, reason)` takes the strings that identify the person (a name, an
email, a customer number) and, in one transaction per store:

- originals: every word-bounded occurrence in a record's text is overwritten with as many
  ERASED_CHAR characters (offsets stay valid, so spans, risk evidence and decisions still point
  at the right places), and a structured field holding one of the values is emptied;
- the vault: every entry whose decrypted original contains one of the values is deleted (the
  pseudonyms in past exports can no longer be resolved to the person);
- learned lists: the digests of the values are removed from every rule set that holds them;
- finished exports: occurrences in their files are replaced by ERASED_TEXT, the manifest's
  file digests are recomputed and the manifest notes the erasure (counts only).

It refuses while any export is running (that export could write what was
just erased). The audit event and the report hold counts and batch ids, never the values.
Not erased: what people wrote about the subject in review comments (the decision log is
append-only; see docs), and models fine-tuned on corrections before the erasure (retrain).
With dry_run the counts are computed and nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import InvalidToken
from django.core.exceptions import PermissionDenied
from django.db import transaction

from anonymizer import permissions
from anonymizer.engine import learned
from anonymizer.engine.ruleset import RuleSetConfig
from anonymizer.exports.files import file_entry, write_json
from anonymizer.exports.keys import vault_fernet
from anonymizer.exports.selectors import export_dir
from anonymizer.models import ExportedDataset, Record, RuleSet, SourceBatch, VaultEntry
from audit.services import audit_log

ERASED_CHAR = "█"
ERASED_TEXT = "[erased]"
MIN_CHARS = 3
EXPORT_TEXT_FILES = ("records.jsonl", "records.csv")
CHUNK = 2000


class ErasureError(ValueError):
    """The request cannot be carried out; the message holds no value."""


@dataclass
class ErasureReport:
    records: int = 0
    occurrences: int = 0
    fields: int = 0
    vault_entries: int = 0
    learned_digests: int = 0
    rulesets: int = 0
    exports: int = 0
    export_occurrences: int = 0
    batches: list[str] = field(default_factory=list)
    dry_run: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pattern(values: list[str]) -> re.Pattern[str]:
    alternatives = sorted({re.escape(v) for v in values}, key=len, reverse=True)
    return re.compile(r"(?<![\w])(?:" + "|".join(alternatives) + r")(?![\w])", re.IGNORECASE)


def clean_values(values: Iterable[str]) -> list[str]:
    kept = [" ".join(v.split()) for v in values if v and v.strip()]
    if not kept:
        raise ErasureError("Give at least one string that identifies the person.")
    if any(len(v) < MIN_CHARS for v in kept):
        raise ErasureError(
            f"Each string must have at least {MIN_CHARS} characters: shorter ones would erase "
            "ordinary words everywhere."
        )
    return kept


def subject_erase(
    *, actor: Any, values: Iterable[str], reason: str, dry_run: bool = False
) -> ErasureReport:
    if not permissions.is_officer(actor):
        raise PermissionDenied("Only privacy officers may erase a person's data.")
    if not reason.strip():
        raise ErasureError("Give the reason (the request's reference), for the audit trail.")
    kept = clean_values(values)
    _refuse_while_exporting()
    pattern = _pattern(kept)
    report = ErasureReport(dry_run=dry_run)
    batches = _erase_originals(pattern, kept, report, dry_run)
    _erase_vault(pattern, report, dry_run)
    _erase_learned(kept, report, dry_run)
    _erase_exports(pattern, report, dry_run)
    report.batches = sorted(str(b.public_id) for b in batches)
    if not dry_run:
        audit_log(actor=actor, action="subject.erased",
                  payload={**report.as_dict(), "values": len(kept), "reason": reason[:200]})
    return report


def _erase_originals(
    pattern: re.Pattern[str], values: list[str], report: ErasureReport, dry_run: bool
) -> set[SourceBatch]:
    lowered = {v.casefold() for v in values}
    touched: set[int] = set()
    ids = list(Record.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), CHUNK):
        with transaction.atomic():
            chunk = Record.objects.filter(id__in=ids[start:start + CHUNK])
            chunk = chunk if dry_run else chunk.select_for_update()
            for record in chunk.only("id", "batch_id", "text", "fields"):
                text, hits = pattern.subn(lambda m: ERASED_CHAR * len(m.group()), record.text)
                fields, emptied = _erase_fields(record.fields, pattern, lowered)
                if not (hits or emptied):
                    continue
                report.records += 1
                report.occurrences += hits
                report.fields += emptied
                touched.add(record.batch_id)
                if not dry_run:
                    Record.objects.filter(pk=record.pk).update(text=text, fields=fields)
    return set(SourceBatch.objects.filter(id__in=touched))


def _erase_fields(
    fields: Any, pattern: re.Pattern[str], lowered: set[str]
) -> tuple[Any, int]:
    if not isinstance(fields, dict):
        return fields, 0
    out, emptied = {}, 0
    for name, value in fields.items():
        if isinstance(value, str) and (
            " ".join(value.split()).casefold() in lowered or pattern.search(value)
        ):
            out[name] = ""
            emptied += 1
        else:
            out[name] = value
    return out, emptied


def _refuse_while_exporting() -> None:
    running = ExportedDataset.objects.filter(status=ExportedDataset.Status.RUNNING).count()
    if running:
        raise ErasureError(
            f"{running} export(s) are running: try again when they end (they could write "
            "what is being erased)."
        )


def _erase_vault(pattern: re.Pattern[str], report: ErasureReport, dry_run: bool) -> None:
    fernet = vault_fernet()
    doomed = []
    for entry in VaultEntry.objects.only("id", "ciphertext").iterator(chunk_size=CHUNK):
        try:
            original = fernet.decrypt(bytes(entry.ciphertext)).decode()
        except InvalidToken:
            raise ErasureError(
                "A vault entry cannot be read with the current vault key: restore the key "
                "before erasing, or the person's pseudonyms could not be found."
            ) from None
        if pattern.search(original):
            doomed.append(entry.pk)
    report.vault_entries = len(doomed)
    if doomed and not dry_run:
        VaultEntry.objects.filter(pk__in=doomed).delete()


def _erase_learned(values: list[str], report: ErasureReport, dry_run: bool) -> None:
    secret = learned.key()
    with transaction.atomic():
        rulesets = RuleSet.objects.order_by("version")
        for ruleset in rulesets if dry_run else rulesets.select_for_update():
            config = RuleSetConfig.from_dict(ruleset.config)
            if config.learned.empty:
                continue
            lists, removed = learned.without(config.learned, values, secret)
            if not removed:
                continue
            report.rulesets += 1
            report.learned_digests += removed
            if not dry_run:
                RuleSet.objects.filter(pk=ruleset.pk).update(
                    config=config.with_learned(lists).to_dict()
                )


def _erase_exports(pattern: re.Pattern[str], report: ErasureReport, dry_run: bool) -> None:
    for export in ExportedDataset.objects.filter(status=ExportedDataset.Status.DONE):
        directory = export_dir(export)
        hits = sum(_erase_file(directory / name, pattern, dry_run)
                   for name in EXPORT_TEXT_FILES if (directory / name).exists())
        if not hits:
            continue
        report.exports += 1
        report.export_occurrences += hits
        if not dry_run:
            _note_in_manifest(export, directory, hits)


def _erase_file(path: Path, pattern: re.Pattern[str], dry_run: bool) -> int:
    text = path.read_text(encoding="utf-8")
    erased, hits = pattern.subn(ERASED_TEXT, text)
    if hits and not dry_run:
        tmp = path.with_name(path.name + ".erasing")
        tmp.write_text(erased, encoding="utf-8")
        tmp.chmod(path.stat().st_mode & 0o777)
        tmp.replace(path)
    return hits


def _note_in_manifest(export: ExportedDataset, directory: Path, hits: int) -> None:
    manifest = dict(export.manifest)
    files = dict(manifest.get("files") or {})
    for name in EXPORT_TEXT_FILES:
        if name in files and (directory / name).exists():
            files[name] = file_entry(directory / name)
    manifest["files"] = files
    manifest.setdefault("erasures", []).append({"occurrences": hits})
    ExportedDataset.objects.filter(pk=export.pk).update(manifest=manifest)
    if (directory / ExportedDataset.MANIFEST_FILE).exists():
        write_json(directory, ExportedDataset.MANIFEST_FILE, manifest)
