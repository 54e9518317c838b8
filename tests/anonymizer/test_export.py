"""The whole flow with planted identifiers: none of them may reach an export file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from anonymizer.batches import services
from anonymizer.detection import services as detection
from anonymizer.engine.transform import pseudonym
from anonymizer.exports import services as export
from anonymizer.exports.keys import linkage_key
from anonymizer.exports.selectors import ExportError, export_dir
from anonymizer.models import Policy, Record
from anonymizer.policies import services as policies
from anonymizer.policies.selectors import default_policy
from audit.models import AuditEvent
from tests.inline_jobs import run_detection

pytestmark = pytest.mark.django_db

PLANTED = {
    "name": "Zebulon Quackenbush",
    "email": "zebulon.q@example.org",
    "phone": "+44 20 7946 0321",
    "order": "ORD-774411",
    "card": "4111 1111 1111 1111",
    "iban": "GB82 WEST 1234 5698 7654 32",
    "ssn": "078-05-1120",
    "ip": "192.168.44.17",
}


TICKETS = ["t1", "t2", "t3", "t4"]


def planted_batch(admin_user: Any, tmp_path: Path) -> Any:
    p = PLANTED
    rows = [
        {
            "id": "t1",
            "text": f"Hi, I am {p['name']}, email {p['email']}, call {p['phone']}.",
            "plan": '=HYPERLINK("http://evil")',
            "birth_year": "1985-03-14",
        },
        {
            "id": "t2",
            "text": f"Order {p['order']} paid with card {p['card']}. {p['name']} again.",
            "plan": "pro",
            "birth_year": "1990-07-01",
        },
        {
            "id": "t3",
            "text": f"IBAN {p['iban']}, SSN {p['ssn']}, login from {p['ip']}.",
            "plan": "free",
            "birth_year": "1979-12-30",
        },
        {
            "id": "t4",
            "text": f"Still waiting, {p['name']}.",
            "plan": "free",
            "birth_year": "2001-01-01",
        },
    ]
    data = "\n".join(json.dumps(r) for r in rows).encode()
    batch = services.batch_import(
        actor=admin_user,
        data=data,
        name="planted",
        data_class="personal",
        purpose="model_training",
        source_format="jsonl",
    )
    run = detection.detection_start(actor=admin_user, batch=batch)
    run_detection(run)
    batch.refresh_from_db()
    return batch


def approved(officer: Any, officer2: Any, **kw: Any) -> Policy:
    p = policies.policy_create(actor=officer, **kw)
    policies.policy_submit(actor=officer, policy=p)
    return policies.policy_approve(actor=officer2, policy=p)


@pytest.fixture
def officer2(make_user: Any) -> Any:
    return make_user("olga_officer", "privacy_officer")


def read_all(directory: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in directory.rglob("*") if p.is_file())


def test_no_planted_identifier_reaches_the_export(
    admin_user: Any, officer: Any, officer2: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    batch = planted_batch(admin_user, tmp_path)
    Record.objects.filter(batch=batch, external_id__in=["t1", "t2", "t3"]).update(status="reviewed")
    Record.objects.filter(batch=batch, external_id="t4").update(status="auto_cleared")
    approved(
        officer,
        officer2,
        name="training",
        purpose="model_training",
        linkage_domain="support",
        rules={
            "rules": {
                "PERSON": "pseudonymize",
                "EMAIL_ADDRESS": "replace",
                "CREDIT_CARD": {"operator": "mask", "params": {"keep_last": 4}},
            },
            "default": "redact",
        },
        column_rules={
            "plan": "keep",
            "birth_year": {"operator": "generalize", "params": {"entity_type": "DATE_OF_BIRTH"}},
        },
    )
    out = tmp_path / "out"
    call_command(
        "export_batch",
        str(batch.public_id),
        "--policy",
        "training",
        "--output",
        str(out),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    everything = read_all(out) + read_all(Path(settings.VEIL_EXPORT_DIR))
    for kind, value in PLANTED.items():
        if kind == "card":
            assert value not in everything and "1111 1111 1111 1111" not in everything
        else:
            assert value not in everything, f"{kind} leaked"
    lines = [json.loads(x) for x in (out / "records.jsonl").read_text().splitlines()]
    # The id column leaves as a keyed pseudonym of the policy's linkage domain (its default).
    key = linkage_key("support")
    assert [x["id"] for x in lines] == [pseudonym(t, "RECORD_ID", key) for t in TICKETS]
    t1, t2, t4 = lines[0], lines[1], lines[3]
    token = t1["text"].split("I am ")[1].split(",")[0]
    assert token.startswith("CUSTOMER_NAME_") and token in t2["text"] and token in t4["text"]
    assert "[EMAIL]" in t1["text"] and "**** **** **** 1111" in t2["text"]
    assert t1["fields"] == {"plan": '=HYPERLINK("http://evil")', "birth_year": "1985"}
    rows = list(csv.reader((out / "records.csv").open()))
    assert rows[0] == ["id", "text", "plan", "birth_year"]
    assert rows[1][2].startswith("'=")  # a spreadsheet will not run it
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["policy"] == {"name": "training", "version": 1, "linkage_domain": "support"}
    assert manifest["records"]["exported"] == 4
    assert manifest["review"]["reviewed_by_person"] == 3
    assert manifest["review"]["auto_cleared"] == 1
    assert manifest["entities"]["PERSON"] >= 3
    for name, info in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == info["sha256"]
    # No audit event carries any of it either (payloads hold ids, offsets, types and hashes).
    trail = json.dumps([[e.action, e.payload, e.target_id] for e in AuditEvent.objects.all()])
    assert AuditEvent.objects.filter(action="export.created").exists()
    for kind, value in PLANTED.items():
        assert value not in trail, f"{kind} reached the audit trail"
    from anonymizer.exports import vault

    assert (
        vault.vault_lookup(
            actor=officer, domain="support", token=token, reason="Data subject access request 1234"
        )
        == PLANTED["name"]
    )


def test_records_not_reviewed_are_left_out_and_counted(
    admin_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    batch = planted_batch(admin_user, tmp_path)
    Record.objects.filter(batch=batch, external_id="t4").update(status="reviewed")
    default = default_policy()
    ex = export.export_start(actor=admin_user, batch=batch, policy=default, enqueue=False)
    ex = export.run_export(ex.pk)
    assert ex.status == "done"
    assert ex.manifest["records"]["exported"] == 1
    assert sum(ex.manifest["records"]["left_out"].values()) == 3
    text = (export_dir(ex) / "records.jsonl").read_text()
    assert "[CUSTOMER_NAME]" in text and PLANTED["name"] not in text
    assert ex.manifest["columns_exported"] == []  # columns not named are dropped


def test_only_admins_start_and_download_exports(
    admin_user: Any, officer: Any, reviewer: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path / "exports"
    batch = planted_batch(admin_user, tmp_path)
    Record.objects.filter(batch=batch).update(status="reviewed")
    default = default_policy()
    services.batch_assign_reviewers(actor=admin_user, batch=batch, reviewers=[reviewer])
    for user in (officer, reviewer):
        client = Client()
        client.force_login(user)
        r = client.post(f"/batches/{batch.public_id}/export/", {"policy": default.public_id})
        assert r.status_code == 403
    ex = export.run_export(
        export.export_start(actor=admin_user, batch=batch, policy=default, enqueue=False).pk
    )
    url = f"/exports/{ex.public_id}/download/records.jsonl"
    officer_client = Client()
    officer_client.force_login(officer)
    assert officer_client.post(url).status_code == 403
    assert officer_client.get(f"/exports/{ex.public_id}/").status_code == 200  # manifest view
    admin = Client()
    admin.force_login(admin_user)
    assert admin.get(url).status_code == 405  # a download is audited: POST only
    response = admin.post(url)
    assert response.status_code == 200
    assert PLANTED["email"].encode() not in b"".join(response.streaming_content)
    assert AuditEvent.objects.filter(action="export.downloaded").count() == 1


def test_a_retired_or_unapproved_policy_cannot_export(
    admin_user: Any, officer: Any, tmp_path: Path
) -> None:
    batch = planted_batch(admin_user, tmp_path)
    draft = policies.policy_create(actor=officer, name="draft-only")
    with pytest.raises(ExportError, match="approved"):
        export.export_start(actor=admin_user, batch=batch, policy=draft)
