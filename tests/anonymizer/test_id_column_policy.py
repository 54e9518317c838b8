"""The policy decides the id column (default: a keyed pseudonym per linkage domain) and every
structured column: a column rule that does not fit the column's values is refused when the
draft is saved, and the manifest reports what was applied to each column."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.test import Client

from anonymizer.batches import services
from anonymizer.defaults import propose_default_id_rule
from anonymizer.exports import services as export
from anonymizer.exports.selectors import export_dir
from anonymizer.models import Policy, Record
from anonymizer.policies import services as policies
from anonymizer.policies.selectors import default_policy
from tests.policy_editor.helpers import editor_values, row_prefix

pytestmark = pytest.mark.django_db

EMAILS = [f"customer{i}@example.org" for i in range(6)]
YEARS = [1950 + 7 * i for i in range(6)]
FORM_EXAMPLE = {"operator": "generalize", "params": {"entity_type": "DATE_TIME"}}


@pytest.fixture
def officer2(make_user: Any) -> Any:
    return make_user("olga_officer", "privacy_officer")


@pytest.fixture
def emails_batch(admin_user: Any) -> Any:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "text", "birth_year", "plan", "gender"])
    for i, email in enumerate(EMAILS):
        writer.writerow([email, "My parcel is late again.", YEARS[i], "pro", "f"])
    batch = services.batch_import(
        actor=admin_user, data=out.getvalue().encode(), name="ids", data_class="personal",
        purpose="internal_reporting", source_format="csv", id_column="email",
        text_columns=["text"],
    )
    Record.objects.filter(batch=batch).update(status="reviewed")
    return batch


def approved(officer: Any, officer2: Any, **kw: Any) -> Policy:
    p = policies.policy_create(actor=officer, **kw)
    policies.policy_submit(actor=officer, policy=p)
    return policies.policy_approve(actor=officer2, policy=p)


def exported(admin_user: Any, batch: Any, policy: Policy) -> Any:
    started = export.export_start(actor=admin_user, batch=batch, policy=policy, enqueue=False)
    return export.run_export(started.pk)


def ids_of(ex: Any) -> list[str]:
    lines = (export_dir(ex) / "records.jsonl").read_text().splitlines()
    return [json.loads(line)["id"] for line in lines]


def test_the_id_column_leaves_as_a_pseudonym_of_the_linkage_domain(
    emails_batch: Any, admin_user: Any, officer: Any, officer2: Any, tmp_path: Path,
    settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    first = exported(admin_user, emails_batch, default_policy())
    again = exported(admin_user, emails_batch, default_policy())
    other = exported(admin_user, emails_batch, approved(officer, officer2, name="research",
                                                        linkage_domain="research"))
    ids = ids_of(first)
    assert len(set(ids)) == len(EMAILS) and all(i.startswith("RECORD_ID_") for i in ids)
    assert ids == ids_of(again)  # one source id, one pseudonym within the domain
    assert not set(ids) & set(ids_of(other))  # and none shared with another domain
    for ex in (first, other):
        files = "".join(p.read_text() for p in export_dir(ex).iterdir())
        assert not any(email in files for email in EMAILS)
    assert first.manifest["id_column"] == {
        "column": "email", "operator": "pseudonymize", "params": {}, "source": "default",
        "linkage_domain": "default",
    }  # the approved built-in version names no id rule: the fail-closed default applies


def test_a_policy_that_names_keep_exports_the_source_id(
    emails_batch: Any, admin_user: Any, officer: Any, officer2: Any, tmp_path: Path,
    settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    policy = approved(officer, officer2, name="linked", id_rule={"operator": "keep"})
    ex = exported(admin_user, emails_batch, policy)
    assert ids_of(ex) == EMAILS
    assert ex.manifest["id_column"]["operator"] == "keep"
    assert ex.manifest["id_column"]["source"] == "policy"


def test_an_id_rule_that_cannot_apply_is_refused(officer: Any) -> None:
    with pytest.raises(policies.PolicyError, match="id rule"):
        policies.policy_create(actor=officer, name="x", id_rule={"operator": "generalize"})
    with pytest.raises(policies.PolicyError, match="takes no parameter"):
        policies.policy_create(
            actor=officer, name="x", id_rule={"operator": "pseudonymize", "params": {"salt": 1}}
        )


def test_the_migration_proposes_the_id_rule_as_a_draft_for_an_officer(
    officer: Any, officer2: Any
) -> None:
    # The test database was migrated: 0012 proposed the rule beside the approved version.
    proposed = Policy.objects.get(name="default", status="draft")
    assert proposed.id_rule == {"operator": "pseudonymize"} and proposed.authored_by is None
    built_in = default_policy()
    assert built_in.id_rule == {} and built_in.status == "approved"
    assert proposed.based_on == built_in and proposed.rules == built_in.rules
    propose_default_id_rule(apps)  # idempotent
    assert Policy.objects.filter(name="default").count() == 2
    submitted = policies.policy_submit(actor=officer, policy=proposed)
    assert policies.policy_approve(actor=officer2, policy=submitted).status == "approved"
    assert default_policy().pk == proposed.pk


def test_a_generalize_rule_that_does_not_fit_the_column_is_refused_on_save(
    emails_batch: Any, officer: Any
) -> None:
    with pytest.raises(policies.PolicyError, match="birth_year: generalize as DATE_TIME fits 0"):
        policies.policy_create(actor=officer, name="x", column_rules={"birth_year": FORM_EXAMPLE})
    client = Client()
    client.force_login(officer)
    form = editor_values(client) | {"name": "years"}
    extra = row_prefix(form, "column", "birth_year")  # a column of the batches it applies to
    form |= {f"{extra}-operator": "generalize", f"{extra}-entity_type": "DATE_TIME"}
    response = client.post("/policies/new/", form)
    assert response.status_code == 400 and b"fits 0 of 6 sampled values" in response.content
    assert not any(str(y).encode() in response.content for y in YEARS)
    response = client.post("/policies/new/", form | {
        f"{extra}-entity_type": "NUMBER", f"{extra}-band": "10"})
    assert response.status_code == 302
    assert Policy.objects.get(name="years").column_rules == {
        "birth_year": {"operator": "generalize", "params": {"entity_type": "NUMBER", "band": 10}}}
    with pytest.raises(policies.PolicyError, match="takes no parameter lvl"):
        policies.policy_create(actor=officer, name="y", column_rules={
            "birth_year": {"operator": "generalize",
                           "params": {"entity_type": "DATE_TIME", "lvl": "month"}}})


def test_the_manifest_reports_every_columns_transformation(
    emails_batch: Any, admin_user: Any, officer: Any, officer2: Any, tmp_path: Path,
    settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    rules = {"birth_year": {"operator": "generalize",
                            "params": {"entity_type": "NUMBER", "band": 10}}, "plan": "keep"}
    ex = exported(admin_user, emails_batch, approved(officer, officer2, name="c",
                                                     column_rules=rules))
    columns = ex.manifest["columns"]
    assert columns["birth_year"] | {"params": None} == {
        "operator": "generalize", "params": None, "entity_type": "NUMBER", "values": 6,
        "changed": 6, "unchanged": 0, "generalized_for_k": 0,
    }
    assert columns["plan"]["operator"] == "keep" and columns["plan"]["unchanged"] == 6
    assert columns["gender"] == {"operator": "drop", "reason": "not named by the policy"}
    lines = (export_dir(ex) / "records.jsonl").read_text().splitlines()
    assert {json.loads(line)["fields"]["birth_year"] for line in lines} == {
        f"{y // 10 * 10}-{y // 10 * 10 + 9}" for y in YEARS
    }


def test_an_approved_rule_that_does_not_fit_never_exports_the_values_unchanged(
    emails_batch: Any, admin_user: Any, officer: Any, officer2: Any, tmp_path: Path,
    settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    policy = approved(officer, officer2, name="old")
    # Approved before rules were checked on save, as existing databases hold them.
    Policy.objects.filter(pk=policy.pk).update(column_rules={"birth_year": FORM_EXAMPLE})
    ex = exported(admin_user, emails_batch, Policy.objects.get(pk=policy.pk))
    lines = (export_dir(ex) / "records.jsonl").read_text().splitlines()
    values = {json.loads(line)["fields"]["birth_year"] for line in lines}
    assert not values & {str(y) for y in YEARS}
    assert ex.manifest["columns"]["birth_year"]["unchanged"] == 0


def test_a_rule_that_no_longer_fits_is_copied_for_fixing_but_not_submitted(
    emails_batch: Any, officer: Any, officer2: Any
) -> None:
    policy = approved(officer, officer2, name="old")
    Policy.objects.filter(pk=policy.pk).update(column_rules={"birth_year": FORM_EXAMPLE})
    draft = policies.policy_new_version(actor=officer, policy=Policy.objects.get(pk=policy.pk))
    with pytest.raises(policies.PolicyError, match="birth_year: generalize as DATE_TIME"):
        policies.policy_submit(actor=officer, policy=draft)
    assert Policy.objects.get(pk=draft.pk).status == "draft"
