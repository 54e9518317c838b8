"""Structured columns: roles confirmed by an officer, risk measured, exports generalized to the
policy's target k, refused with a clear message when k cannot be reached."""

from __future__ import annotations

import csv
import io
import json
import random
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from anonymizer.batches import columns as tabular
from anonymizer.batches import services
from anonymizer.exports import services as export
from anonymizer.exports.selectors import ExportError, export_dir
from anonymizer.exports.tabular import dp_release
from anonymizer.models import PrivacyBudgetEntry, Record
from anonymizer.policies import services as policies

pytestmark = pytest.mark.django_db


def table_csv(n: int) -> bytes:
    rng = random.Random(5)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["id", "text", "postcode", "birth_year", "gender", "plan", "diagnosis"])
    for i in range(n):
        w.writerow(
            [
                f"r{i}",
                "My parcel is late again.",
                f"SW{rng.randint(1, 9)} {rng.randint(1, 9)}AB",
                rng.randint(1950, 2000),
                rng.choice(["f", "m"]),
                rng.choice(["free", "pro"]),
                rng.choice(["none", "asthma", "diabetes"]),
            ]
        )
    return out.getvalue().encode()


@pytest.fixture
def structured(admin_user: Any) -> Any:
    batch = services.batch_import(
        actor=admin_user,
        data=table_csv(300),
        name="tab",
        data_class="personal",
        purpose="internal_reporting",
        source_format="csv",
        id_column="id",
    )
    Record.objects.filter(batch=batch).update(status="reviewed")
    return batch


def confirm_roles(client: Client, batch: Any) -> None:
    client.post(
        f"/batches/{batch.public_id}/columns/",
        {
            "role-postcode": "quasi_identifier",
            "hierarchy-postcode": "postcode",
            "role-birth_year": "quasi_identifier",
            "hierarchy-birth_year": "number",
            "role-gender": "quasi_identifier",
            "hierarchy-gender": "category",
            "role-plan": "insensitive",
            "hierarchy-plan": "category",
            "role-diagnosis": "sensitive",
            "hierarchy-diagnosis": "category",
        },
    )


def policy_with(officer: Any, make_user: Any, **tab: Any) -> Any:
    other = make_user(f"o{random.randint(0, 10**9)}", "privacy_officer")
    p = policies.policy_create(
        actor=officer,
        name=f"tab{random.randint(0, 10**9)}",
        column_rules={
            "postcode": "keep",
            "birth_year": "keep",
            "gender": "keep",
            "diagnosis": "keep",
            "plan": "keep",
        },
    )
    p.tabular = tab
    p.save(update_fields=["tabular"])
    policies.policy_submit(actor=officer, policy=p)
    return policies.policy_approve(actor=other, policy=p)


def test_roles_are_suggested_and_confirmed_and_risk_is_shown(structured: Any, officer: Any) -> None:
    suggested = {r.column: r.suggested for r in tabular.column_roles_suggest(structured)}
    assert suggested["postcode"] == "quasi_identifier"
    assert suggested["birth_year"] == "quasi_identifier"
    assert suggested["diagnosis"] == "sensitive"
    client = Client()
    client.force_login(officer)
    confirm_roles(client, structured)
    risk = tabular.batch_risk(structured)
    assert risk is not None and risk["records"] == 300 and risk["k"] >= 1
    assert risk["l_diversity"]["diagnosis"] >= 1
    page = client.get(f"/batches/{structured.public_id}/").content.decode()
    assert "k-anonymity" in page and "Unique records" in page


def test_export_reaches_the_target_k(
    structured: Any, officer: Any, admin_user: Any, make_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    client = Client()
    client.force_login(officer)
    confirm_roles(client, structured)
    policy = policy_with(officer, make_user, k=5, suppression=0.1)
    ex = export.run_export(
        export.export_start(actor=admin_user, batch=structured, policy=policy, enqueue=False).pk
    )
    summary = ex.manifest["tabular"]
    assert summary["k"] >= 5 and summary["risk_before"]["k"] < 5
    assert 0 <= summary["generalized_cell_share"] <= 1 and "information_loss" in summary
    rows = [
        json.loads(x) for x in (export_dir(ex) / "records.jsonl").read_text().splitlines()
    ]
    combos = Counter(
        (r["fields"]["postcode"], r["fields"]["birth_year"], r["fields"]["gender"]) for r in rows
    )
    assert min(combos.values()) >= 5
    left = ex.manifest["records"]["left_out"].get("suppressed_for_k_anonymity", 0)
    assert left == summary["suppressed"] and len(rows) + left == 300


def test_an_unreachable_target_is_refused_naming_the_column(
    structured: Any, officer: Any, admin_user: Any, make_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    client = Client()
    client.force_login(officer)
    confirm_roles(client, structured)
    # The postcode may not be generalized at all, and nothing may be suppressed.
    policy = policy_with(
        officer,
        make_user,
        k=5,
        suppression=0.0,
        max_levels={"postcode": 0, "birth_year": 0, "gender": 0},
    )
    from anonymizer.models import ExportedDataset

    started = export.export_start(actor=admin_user, batch=structured, policy=policy, enqueue=False)
    with pytest.raises(ExportError) as excinfo:
        export.run_export(started.pk)
    message = str(excinfo.value)
    assert "cannot be reached" in message
    assert "quasi-identifier" in message
    assert any(f"'{c}'" in message for c in ("postcode", "birth_year", "gender"))
    assert ExportedDataset.objects.get(pk=started.pk).status == "failed"
    assert not any(tmp_path.iterdir())  # nothing half-made


def test_roles_must_be_confirmed_before_a_k_export(
    structured: Any, officer: Any, admin_user: Any, make_user: Any
) -> None:
    policy = policy_with(officer, make_user, k=5)
    started = export.export_start(actor=admin_user, batch=structured, policy=policy, enqueue=False)
    with pytest.raises(ExportError, match="confirm the batch's column roles"):
        export.run_export(started.pk)


def test_private_aggregates_spend_the_budget_and_are_refused_past_it(
    structured: Any, officer: Any, admin_user: Any, make_user: Any, tmp_path: Path, settings: Any
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    dp = {
        "epsilon": 1.0,
        "total": 1.5,
        "group_by": "plan",
        "value": "birth_year",
        "bounds": [1940, 2010],
        "categories": ["free", "pro", "enterprise"],
    }
    policy = policy_with(officer, make_user, dp=dp)
    first = export.run_export(
        export.export_start(actor=admin_user, batch=structured, policy=policy, enqueue=False).pk
    )
    aggregates = json.loads((export_dir(first) / "aggregates.json").read_text())
    assert [g["category"] for g in aggregates["groups"]] == ["free", "pro", "enterprise"]
    assert sum(g["count"] for g in aggregates["groups"]) == pytest.approx(300, abs=60)
    assert first.manifest["differential_privacy"]["budget_spent"] == 1.0
    # the same export run again (its worker died before it was published) is charged once
    again = dp_release(first, [])
    assert again is not None and again["budget_spent"] == 1.0
    assert PrivacyBudgetEntry.objects.filter(export=first).count() == 1
    second = export.export_start(actor=admin_user, batch=structured, policy=policy, enqueue=False)
    with pytest.raises(ExportError, match="privacy budget of this batch is spent"):
        export.run_export(second.pk)
