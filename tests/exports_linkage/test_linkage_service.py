"""Linkage tests on real exports: planted links are found by record id, a k-anonymous
release gives none, the table is never stored, the result is audited, and a policy can hold
the files back until a test passes."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from anonymizer.batches import services as batches
from anonymizer.batches.columns import column_roles_confirm, column_roles_store_suggestions
from anonymizer.exports import services as export
from anonymizer.exports.linkage import LinkageError, linkage_run, release_blocked
from anonymizer.models import LinkageTest, Policy, Record
from anonymizer.policies import services as policies
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer2(make_user: Any) -> Any:
    return make_user("olga_officer", "privacy_officer")


def people(n: int) -> list[dict[str, str]]:
    rng = random.Random(4)
    return [{"name": f"Pat Person{i}", "age": str(rng.randint(20, 79)),
             "postcode": f"LS{rng.randint(1, 6)}", "plan": rng.choice(["pro", "free"])}
            for i in range(n)]


def table(rows: list[dict[str, str]], columns: list[str]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def exported(admin_user: Any, officer: Any, officer2: Any, crm: list[dict[str, str]],
             tabular: dict[str, Any]) -> Any:
    body = [{**p, "body": "My parcel is late again."} for p in crm[:60]]
    body[0]["body"] = f"Hello, {crm[0]['name']} here."  # a name left in the text
    batch = batches.batch_import(
        actor=admin_user, data=table(body, ["name", "age", "postcode", "plan", "body"]),
        name="crm", data_class="personal", purpose="internal_reporting", source_format="csv",
        text_columns=["body"],
    )
    Record.objects.filter(batch=batch).update(status="reviewed")
    column_roles_store_suggestions(batch)
    column_roles_confirm(actor=officer, batch=batch, choices={
        "age": ("quasi_identifier", "number"), "postcode": ("quasi_identifier", "category"),
        "plan": ("quasi_identifier", "category"), "name": ("direct_identifier", "category"),
    })
    policy = policies.policy_create(
        actor=officer, name="link", rules={"rules": {}, "default": {"operator": "replace"}},
        column_rules={c: {"operator": "keep"} for c in ("age", "postcode", "plan")},
        tabular=tabular,
    )
    policies.policy_submit(actor=officer, policy=policy)
    approved = policies.policy_approve(actor=officer2, policy=policy)
    started = export.export_start(actor=admin_user, batch=batch, policy=approved, enqueue=False)
    return export.run_export(started.pk)


def test_planted_links_are_found_and_audited_without_values(
    admin_user: Any, officer: Any, officer2: Any, tmp_path: Path, settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    crm = people(200)
    done = exported(admin_user, officer, officer2, crm, {})
    assert done.status == "done"
    test = linkage_run(actor=officer, export=done, data=table(crm, list(crm[0])),
                       shared={"age": "age", "postcode": "postcode", "plan": "plan"},
                       identifiers=["name"])
    assert not test.passed and test.result["text_hits"] == 1
    assert test.result["unique_matches"] > 0 and test.external_rows == 200
    stored = json.dumps([test.result, test.shared_columns, test.identifier_columns])
    event = AuditEvent.objects.get(action="export.linkage_tested")
    assert "Pat Person" not in stored and "Pat Person" not in json.dumps(event.payload)
    assert not re.search(r"LS\d", json.dumps(test.result))  # no postcode left the test


def test_a_k5_release_passes_and_releases_the_files(
    admin_user: Any, officer: Any, officer2: Any, tmp_path: Path, settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    crm = people(200)
    done = exported(admin_user, officer, officer2, crm, {
        "k": 5, "suppression": 0.2, "require_linkage_test": True})
    assert release_blocked(done)  # no test yet
    test = linkage_run(actor=officer, export=done, data=table(crm, ["age", "postcode", "plan"]),
                       shared={"age": "age", "postcode": "postcode", "plan": "plan"},
                       identifiers=[])
    assert test.passed and test.result["unique_matches"] == 0
    assert test.result["reidentified_rows"] == 0
    assert release_blocked(done) == ""


def test_bad_tables_and_wrong_users_are_refused(
    admin_user: Any, officer: Any, officer2: Any, tmp_path: Path, settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    crm = people(80)
    done = exported(admin_user, officer, officer2, crm, {})
    good = table(crm, ["age", "postcode"])
    with pytest.raises(PermissionDenied):
        linkage_run(actor=admin_user, export=done, data=good, shared={"age": "age"},
                    identifiers=[])
    for data, shared, message in [
        (b"\xff\xfeage\n", {"age": "age"}, "UTF-8"),
        (b"", {"age": "age"}, "header"),
        (good, {"salary": "age"}, "no column 'salary'"),
        (good, {"age": "income"}, "export has no column 'income'"),
        (b"age,postcode\n30,LS1,extra\n", {"age": "age"}, "more cells"),
    ]:
        with pytest.raises(LinkageError, match=message):
            linkage_run(actor=officer, export=done, data=data, shared=shared, identifiers=[])
    assert LinkageTest.objects.count() == 0
    assert Policy.objects.filter(name="link").exists()


def test_the_export_page_runs_a_test_for_officers(
    admin_user: Any, officer: Any, officer2: Any, tmp_path: Path, settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    crm = people(120)
    done = exported(admin_user, officer, officer2, crm, {"require_linkage_test": True})
    client = Client()
    client.force_login(admin_user)
    page = client.get(reverse("export_detail", args=[done.public_id]))
    assert b"requires a passed linkage test" in page.content
    assert b"Run the linkage test" not in page.content  # admins do not run tests
    assert b"records.jsonl</button>" not in page.content  # held back until a test passes
    client.force_login(officer)
    upload = SimpleUploadedFile("crm.csv", table(crm, list(crm[0])), content_type="text/csv")
    response = client.post(reverse("export_linkage", args=[done.public_id]), {
        "table": upload, "shared": "age=age, postcode=postcode, plan=plan",
        "identifiers": "name"})
    assert response.status_code == 302
    page = client.get(reverse("export_detail", args=[done.public_id]))
    assert b"links found" in page.content and b"Pat Person" not in page.content
    bad = client.post(reverse("export_linkage", args=[done.public_id]), {
        "table": SimpleUploadedFile("x.csv", b"a,b\n1,2\n"), "shared": "age"})
    assert bad.status_code == 400 and b"external=export" in bad.content


def test_a_required_test_holds_the_files_back_until_it_passes(
    admin_user: Any, officer: Any, officer2: Any, tmp_path: Path, settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    crm = people(200)
    done = exported(admin_user, officer, officer2, crm, {
        "k": 5, "suppression": 0.2, "require_linkage_test": True})
    with pytest.raises(PermissionDenied, match="linkage test"):
        export.export_download_path(actor=admin_user, export=done, name="records.jsonl")
    linkage_run(actor=officer, export=done, data=table(crm, ["age", "postcode", "plan"]),
                shared={"age": "age", "postcode": "postcode", "plan": "plan"}, identifiers=[])
    assert export.export_download_path(actor=admin_user, export=done, name="records.jsonl")
