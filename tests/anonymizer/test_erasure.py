"""Right to erasure (issue 14): one person's strings leave originals, vault, learned lists and
finished export files; the audit trail keeps counts only; a dry run changes nothing."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.test import Client

from anonymizer.batches import services
from anonymizer.detection import services as detection
from anonymizer.engine import learned
from anonymizer.engine.ruleset import RuleSetConfig
from anonymizer.erasure.services import ERASED_CHAR, ErasureError, subject_erase
from anonymizer.exports import services as exports
from anonymizer.exports.files import file_entry
from anonymizer.exports.selectors import export_dir
from anonymizer.exports.vault import vault_store_many
from anonymizer.models import ExportedDataset, Record, RuleSet, VaultEntry
from anonymizer.policies.selectors import default_policy
from anonymizer.rulesets.selectors import ruleset_active
from audit.models import AuditEvent
from tests.inline_jobs import run_detection

pytestmark = pytest.mark.django_db

NAME = "Wilhelmina Okafor"
HANDLE = "quillmoor"  # the person's handle: no recognizer knows it, so exports keep it


def tickets() -> bytes:
    lines = [{"id": f"t{i}", "text": f"The {HANDLE} login fails since Monday, ticket {i}."}
             for i in range(12)]
    lines.append({"id": "n1", "text": f"Dear team, {NAME} asked for a refund."})
    lines.append({"id": "o1", "text": "Someone else asked about opening hours."})
    return "\n".join(json.dumps(x) for x in lines).encode()


@pytest.fixture
def exported(admin_user: Any, tmp_path: Path, settings: Any) -> ExportedDataset:
    settings.VEIL_EXPORT_DIR = tmp_path
    batch = services.batch_import(actor=admin_user, data=tickets(), name="erasure",
                                  data_class="personal", purpose="theme_analysis",
                                  source_format="jsonl")
    run_detection(detection.detection_start(actor=admin_user, batch=batch))
    export = exports.run_export(exports.export_start(
        actor=admin_user, batch=batch, policy=default_policy(), enqueue=False).pk)
    assert HANDLE in (export_dir(export) / "records.jsonl").read_text()
    vault_store_many("support", {"PERSON_1a2b": ("PERSON", NAME), "PERSON_9z": ("PERSON", "Ada")})
    active = ruleset_active()
    config = RuleSetConfig.from_dict(active.config)
    secret = learned.key()
    lists = learned.LearnedLists(frozenset(), {"PERSON": frozenset(
        learned.make_digests([NAME, "Ada Quist"], secret))}, 2, learned.key_id(secret))
    RuleSet.objects.filter(pk=active.pk).update(config=config.with_learned(lists).to_dict())
    return export


def texts() -> str:
    return "\n".join(Record.objects.values_list("text", flat=True))


def test_a_dry_run_counts_and_changes_nothing(exported: ExportedDataset, officer: Any) -> None:
    before, vault = texts(), VaultEntry.objects.count()
    report = subject_erase(actor=officer, values=[NAME, HANDLE], reason="DSR-1", dry_run=True)
    assert report.records == 13 and report.occurrences == 13 and report.vault_entries == 1
    assert report.learned_digests == 1 and report.exports == 1 and report.export_occurrences >= 1
    assert texts() == before and VaultEntry.objects.count() == vault
    assert not AuditEvent.objects.filter(action="subject.erased").exists()


def test_erasure_removes_the_strings_everywhere(exported: ExportedDataset, officer: Any) -> None:
    lengths = dict(Record.objects.values_list("external_id", "text"))
    report = subject_erase(actor=officer, values=[NAME.upper(), HANDLE], reason="DSR-2")
    after = dict(Record.objects.values_list("external_id", "text"))
    assert NAME.lower() not in texts().lower() and HANDLE not in texts()
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in lengths.items()}
    assert ERASED_CHAR * len(HANDLE) in after["t0"] and after["o1"] == lengths["o1"]
    # the vault keeps the other person's entry only; the learned list keeps the other name
    tokens = set(VaultEntry.objects.values_list("token", flat=True))
    assert "PERSON_9z" in tokens and "PERSON_1a2b" not in tokens and report.vault_entries == 1
    config = RuleSetConfig.from_dict(ruleset_active().config)
    assert sum(len(v) for v in config.learned_deny.values()) == 1
    # the export's files no longer hold the handle, and the manifest's digests match them
    export = ExportedDataset.objects.get(pk=exported.pk)
    records = export_dir(export) / "records.jsonl"
    assert HANDLE not in records.read_text() and "[erased]" in records.read_text()
    assert export.manifest["files"]["records.jsonl"] == file_entry(records)
    assert export.manifest["erasures"][0]["occurrences"] == report.export_occurrences
    event = AuditEvent.objects.get(action="subject.erased")
    payload = json.dumps(event.payload)
    assert NAME not in payload and HANDLE not in payload and event.payload["records"] == 13


def test_only_officers_erase_and_bad_requests_are_refused(
    exported: ExportedDataset, officer: Any, reviewer: Any
) -> None:
    with pytest.raises(PermissionDenied):
        subject_erase(actor=reviewer, values=[NAME], reason="DSR-3")
    with pytest.raises(ErasureError, match="at least 3"):
        subject_erase(actor=officer, values=["Al"], reason="DSR-3")
    with pytest.raises(ErasureError, match="reason"):
        subject_erase(actor=officer, values=[NAME], reason=" ")
    ExportedDataset.objects.filter(pk=exported.pk).update(status=ExportedDataset.Status.RUNNING)
    with pytest.raises(ErasureError, match="running"):
        subject_erase(actor=officer, values=[NAME], reason="DSR-3")
    assert HANDLE in texts()


def test_the_page_previews_then_erases(exported: ExportedDataset, officer: Any) -> None:
    client = Client()
    client.force_login(officer)
    page = client.get("/erasure/")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    preview = client.post("/erasure/", {"values": f"{NAME}\n{HANDLE}", "reason": "DSR-4"})
    assert b"Would erase" in preview.content and b'name="confirm"' in preview.content
    assert HANDLE in texts()
    done = client.post("/erasure/", {"values": f"{NAME}\n{HANDLE}", "reason": "DSR-4",
                                     "confirm": "1"})
    assert b"Erased" in done.content and HANDLE not in texts()


def test_the_command_reads_the_strings_from_a_file(
    exported: ExportedDataset, officer: Any, tmp_path: Path
) -> None:
    values = tmp_path / "subject.txt"
    values.write_text(f"{HANDLE}\n")
    out = StringIO()
    call_command("erase_subject", "--values-file", str(values), "--reason", "DSR-5", stdout=out)
    assert json.loads(out.getvalue())["records"] == 12 and HANDLE not in texts()
    assert HANDLE not in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_erasure_runs_outside_a_test_transaction(officer: Any, admin_user: Any) -> None:
    """As the command and the page run it: in autocommit, its locks in their own transactions."""
    services.batch_import(actor=admin_user, data=tickets(), name="erasure",
                          data_class="personal", purpose="theme_analysis", source_format="jsonl")
    active = ruleset_active()
    secret = learned.key()
    lists = learned.LearnedLists(frozenset(), {"PERSON": frozenset(
        learned.make_digests([NAME], secret))}, 2, learned.key_id(secret))
    config = RuleSetConfig.from_dict(active.config).with_learned(lists)
    RuleSet.objects.filter(pk=active.pk).update(config=config.to_dict())
    report = subject_erase(actor=officer, values=[NAME, HANDLE], reason="DSR-6")
    assert report.records == 13 and report.learned_digests == 1 and HANDLE not in texts()
