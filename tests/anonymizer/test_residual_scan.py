"""The residual scan at export: a string an operator replaced in one record never leaves
verbatim in another; the manifest and the audit trail say what was found in counts and ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from anonymizer.batches import services
from anonymizer.detection import services as detection
from anonymizer.engine.transform import Span, pseudonym
from anonymizer.exports import services as export
from anonymizer.exports.keys import linkage_key
from anonymizer.exports.residual import ResidualScan, ResidualScanError
from anonymizer.exports.selectors import export_dir
from anonymizer.models import DetectedSpan, ExportedDataset, Record
from anonymizer.policies.selectors import default_policy
from audit.models import AuditEvent
from tests.anonymizer.test_export import approved, officer2  # noqa: F401  (officer2: fixture)
from tests.inline_jobs import run_detection

pytestmark = pytest.mark.django_db

SURNAME = "Quackenbush"


def batch_with_spans(actor: Any, rows: list[tuple[str, str, list[tuple[str, str]]]]) -> Any:
    """A detected batch whose machine spans are exactly those given, as (substring, label)
    per record, and whose every record is auto-cleared (so it leaves without review)."""
    data = "\n".join(json.dumps({"id": rid, "text": text}) for rid, text, _ in rows).encode()
    batch = services.batch_import(
        actor=actor, data=data, name="residual", data_class="personal",
        purpose="theme_analysis", source_format="jsonl",
    )
    run = detection.detection_start(actor=actor, batch=batch)
    run_detection(run)
    batch.refresh_from_db()
    DetectedSpan.objects.filter(run_id=batch.current_run_id).delete()
    records = {r.external_id: r for r in Record.objects.filter(batch=batch)}
    for rid, text, spans in rows:
        for value, label in spans:
            start = text.index(value)
            DetectedSpan.objects.create(
                record=records[rid], run_id=batch.current_run_id, start=start,
                end=start + len(value), label=label, score=0.99, recognizer="test",
                ruleset_version=1,
            )
    Record.objects.filter(batch=batch).update(status=Record.Status.AUTO_CLEARED)
    return batch


def run(actor: Any, batch: Any, policy: Any = None) -> ExportedDataset:
    ex = export.export_start(
        actor=actor, batch=batch, policy=policy or default_policy(), enqueue=False
    )
    return export.run_export(ex.pk)


def out_id(source_id: str, domain: str = "default") -> str:
    """The id a record leaves with: the policy's default, a keyed pseudonym of the domain."""
    return pseudonym(source_id, "RECORD_ID", linkage_key(domain))


def exported(ex: ExportedDataset) -> dict[str, str]:
    """Each exported record's text, by its source id."""
    lines = (export_dir(ex) / "records.jsonl").read_text(encoding="utf-8").splitlines()
    source = {out_id(r, ex.policy.linkage_domain): r
              for r in Record.objects.filter(batch=ex.batch).values_list("external_id", flat=True)}
    return {source[x["id"]]: x["text"] for x in map(json.loads, lines)}


def leaked(value: str, settings: Any) -> str:
    """Everything the export, its row and the audit trail hold, where `value` must not be."""
    files = "".join(
        p.read_text(encoding="utf-8")
        for p in Path(settings.VEIL_EXPORT_DIR).rglob("*")
        if p.is_file()
    )
    rows = json.dumps([[e.action, e.payload] for e in AuditEvent.objects.all()])
    exports = json.dumps([[e.manifest, e.error] for e in ExportedDataset.objects.all()])
    return [where for where, text in (("files", files), ("audit", rows), ("export", exports))
            if value.lower() in text.lower()]


def test_a_surname_transformed_in_one_record_is_transformed_in_the_next(
    admin_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    batch = batch_with_spans(admin_user, [
        ("a", f"Please call Zebulon {SURNAME} back.", [(f"Zebulon {SURNAME}", "PERSON")]),
        ("b", f"{SURNAME.upper()} again: the {SURNAME}s are not him.", []),
        ("c", f"Mr {SURNAME}'s parcel, and {SURNAME}farm is a shop.", []),
        ("d", "Nothing personal in here.", []),
    ])
    ex = run(admin_user, batch)
    assert ex.status == "done"
    texts = exported(ex)
    assert texts["a"] == "Please call [CUSTOMER_NAME] back."
    # Any case, whole words only: the plural and the longer word are other words.
    assert texts["b"] == f"[CUSTOMER_NAME] again: the {SURNAME}s are not him."
    assert texts["c"] == f"Mr [CUSTOMER_NAME]'s parcel, and {SURNAME}farm is a shop."
    scan = ex.manifest["residual_scan"]
    assert scan["strings_checked"] == 3  # the whole name and both parts
    assert (scan["occurrences_found"], scan["occurrences_fixed"], scan["remaining"]) == (2, 2, 0)
    assert sorted(scan["records_affected"]) == sorted([out_id("b"), out_id("c")])
    assert scan["records_affected_count"] == 2
    assert ex.manifest["entities"]["PERSON"] == 3
    assert leaked("Zebulon", settings) == []  # the name itself never left, nor was it named
    assert leaked(f"{SURNAME} again", settings) == []
    event = AuditEvent.objects.get(action="export.created")
    assert event.payload["residual_scan"]["occurrences_fixed"] == 2
    page = Client()
    page.force_login(admin_user)
    html = page.get(f"/exports/{ex.public_id}/").content.decode()
    assert 'id="residual-scan"' in html and "<strong>0 remaining</strong>" in html


def test_pseudonyms_follow_the_residual_and_the_vault_holds_it(
    admin_user: Any, officer: Any, officer2: Any, tmp_path: Path, settings: Any  # noqa: F811
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    batch = batch_with_spans(admin_user, [
        ("a", f"Ask for {SURNAME}.", [(SURNAME, "PERSON")]),
        ("b", f"{SURNAME} called twice.", []),
    ])
    policy = approved(officer, officer2, name="pseudo", linkage_domain="support",
                      rules={"rules": {"PERSON": "pseudonymize"}, "default": "redact"})
    texts = exported(run(admin_user, batch, policy))
    token = texts["a"].removeprefix("Ask for ").rstrip(".")
    assert token.startswith("CUSTOMER_NAME_") and texts["b"] == f"{token} called twice."
    assert leaked(SURNAME, settings) == []


def test_a_residual_the_policy_keeps_refuses_the_export_whole(
    admin_user: Any, officer: Any, officer2: Any, tmp_path: Path, settings: Any  # noqa: F811
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    link = f"https://{SURNAME.lower()}.example.com/cv"
    batch = batch_with_spans(admin_user, [
        ("a", f"Ask for {SURNAME}.", [(SURNAME, "PERSON")]),
        ("b", f"See {link} for details.", [(link, "URL")]),
    ])
    policy = approved(officer, officer2, name="keeps-links",
                      rules={"rules": {"PERSON": "replace", "URL": "keep"}, "default": "redact"})
    with pytest.raises(ResidualScanError):
        run(admin_user, batch, policy)
    ex = ExportedDataset.objects.get(policy=policy)
    assert ex.status == "failed" and "Residual scan: 1 occurrence" in ex.error
    assert ex.file_names() == []
    assert not export_dir(ex).exists()
    assert not export_dir(ex).with_name(export_dir(ex).name + ".partial").exists()
    scan = ex.manifest["residual_scan"]
    assert scan["remaining"] == 1 and scan["records_with_remaining"] == [out_id("b")]
    refused = AuditEvent.objects.get(action="export.refused")
    assert refused.payload["remaining"] == 1
    assert not AuditEvent.objects.filter(action="export.created").exists()
    assert leaked(SURNAME, settings) == []


def test_a_clean_batch_reports_zero(admin_user: Any, tmp_path: Path, settings: Any) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    batch = batch_with_spans(admin_user, [
        ("a", "Write to zeb@example.org please.", [("zeb@example.org", "EMAIL_ADDRESS")]),
        ("b", "My parcel is late.", []),
    ])
    scan = run(admin_user, batch).manifest["residual_scan"]
    assert scan["strings_checked"] == 1
    assert (scan["occurrences_found"], scan["occurrences_fixed"], scan["remaining"]) == (0, 0, 0)
    assert scan["records_affected"] == [] and scan["records_affected_count"] == 0


def test_hits_are_word_bounded_any_case_and_never_inside_operator_output() -> None:
    scan = ResidualScan()
    scan.add("Dean Roberts", "PERSON")
    scan.add("Location", "ORGANIZATION")
    scan.add("Ng", "PERSON")  # too short to search for
    scan.build()
    assert sorted(scan.strings) == ["dean", "dean roberts", "location", "roberts"]
    text = "ROBERTS, robertson, dean roberts, [LOCATION] and location_id"
    hits = scan.hits(text, protected=[(text.index("["), text.index("]") + 1)])
    assert [text[h.start : h.end] for h in hits] == ["ROBERTS", "dean roberts"]
    assert hits[0] == Span(0, 7, "PERSON")
    assert "roberts" not in json.dumps(scan.summary()).lower()


def test_a_name_found_in_a_record_still_in_review_is_transformed_where_it_leaves(
    admin_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    batch = batch_with_spans(admin_user, [
        ("a", f"Please call Zebulon {SURNAME} back.", [(f"Zebulon {SURNAME}", "PERSON")]),
        ("b", f"{SURNAME} again about the parcel.", []),
    ])
    Record.objects.filter(batch=batch, external_id="a").update(status=Record.Status.NEEDS_REVIEW)
    ex = run(admin_user, batch)
    texts = exported(ex)
    assert "a" not in texts  # still waiting for a person: not exported
    assert texts["b"] == "[CUSTOMER_NAME] again about the parcel."
    assert ex.manifest["residual_scan"]["occurrences_fixed"] == 1
