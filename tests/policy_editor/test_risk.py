"""Risk after transformation on a constructed table, every figure computed by hand.

Nine records, quasi-identifiers zip and age, sensitive disease (gender is a quasi-identifier
the policy drops, name a direct identifier it drops):

    zip A, ages 21 22 23 24, disease flu flu cold cold
    zip B, ages 31 32 33,    disease flu cancer cancer
    zip C, ages 41 42,       disease cold cold

Over the whole table flu is 3/9, cold 4/9, cancer 2/9. As uploaded every age is unique: k=1,
highest and average prosecutor risk 1, l=1; t is the largest class's distance from the table,
0.5 * (|1 - 2/9| + 3/9 + 4/9) = 7/9 for a lone "cancer" (the rarest value).

Ages in bands of ten make the classes A (4), B (3), C (2): k=2, highest risk 1/2, average
3 classes / 9 records = 1/3, l = 1 (class C holds only cold), and t = max(A: 0.5 * (1.5/9 +
0.5/9 + 2/9) = 2/9, B: 0.5 * (0 + 4/9 + 4/9) = 4/9, C: 0.5 * (3/9 + 5/9 + 2/9) = 5/9) = 5/9.

With the ages kept and a target k=3 that may suppress 25 % (2 records): the search bands the
ages by five (classes as above) and leaves out class C: 7 records, classes of 4 and 3, k=3,
highest risk 1/3, average 2/7, l=2; over the 7, flu 3/7, cold 2/7, cancer 2/7, so t = max(
A: 0.5 * (0.5/7 + 1.5/7 + 2/7) = 2/7, B: 0.5 * (2/21 + 2/7 + 8/21) = 8/21) = 8/21.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.urls import reverse

from anonymizer.batches import columns, services
from anonymizer.policies import services as policies
from anonymizer.policies.risk import policy_risk
from tests.policy_editor.helpers import client_for

pytestmark = pytest.mark.django_db

ROWS = [("A", 21, "flu"), ("A", 22, "flu"), ("A", 23, "cold"), ("A", 24, "cold"),
        ("B", 31, "flu"), ("B", 32, "cancer"), ("B", 33, "cancer"),
        ("C", 41, "cold"), ("C", 42, "cold")]


@pytest.fixture
def table(admin_user: Any, officer: Any) -> Any:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "text", "zip", "age", "disease", "gender", "name"])
    for i, (zip_code, age, disease) in enumerate(ROWS):
        writer.writerow([f"r{i}", "My parcel is late.", zip_code, age, disease, "fm"[i % 2],
                         f"Person {i}"])
    batch = services.batch_import(
        actor=admin_user, data=out.getvalue().encode(), name="Risk table", data_class="personal",
        purpose="internal_reporting", source_format="csv", id_column="id", text_columns=["text"],
    )
    columns.column_roles_store_suggestions(batch)
    columns.column_roles_confirm(actor=officer, batch=batch, choices={
        "zip": ("quasi_identifier", "category"), "age": ("quasi_identifier", "number"),
        "disease": ("sensitive", "category"), "gender": ("quasi_identifier", "category"),
        "name": ("direct_identifier", "category"),
    })
    return batch


def figures(policy: Any, batch: Any) -> dict[str, tuple[str, str]]:
    return {row["measure"]: (row["before"], row["after"])
            for row in policy_risk(policy, batch).table()}


def test_banded_ages_reach_the_hand_computed_figures(table: Any, officer: Any) -> None:
    policy = policies.policy_create(actor=officer, name="bands", column_rules={
        "zip": "keep", "disease": "keep",
        "age": {"operator": "generalize", "params": {"entity_type": "NUMBER", "band": 10}},
    })
    found = policy_risk(policy, table)
    assert (found.records, found.quasi, found.sensitive) == (9, ["zip", "age"], ["disease"])
    assert found.dropped_quasi == ["gender"] and found.confirmed and not found.refused
    assert found.after is not None and found.before is not None
    assert (found.after.k, found.after.classes) == (2, 3)
    assert found.after.prosecutor_max == pytest.approx(1 / 2)
    assert found.after.prosecutor_avg == pytest.approx(1 / 3)
    assert dict(found.after.l_diversity) == {"disease": 1}
    assert found.t_by_column["disease"] == pytest.approx(5 / 9)
    assert found.before.k == 1 and found.before.prosecutor_avg == pytest.approx(1.0)
    assert found.t_before_by_column["disease"] == pytest.approx(7 / 9)
    assert figures(policy, table) == {
        "k": ("1", "2"), "prosecutor_max": ("1.000", "0.500"),
        "prosecutor_avg": ("1.000", "0.333"), "l:disease": ("1", "1"),
        "t:disease": ("0.778", "0.556"), "suppressed": ("0", "0"),
    }


def test_a_target_k_generalizes_and_suppresses_as_the_export_would(
    table: Any, officer: Any
) -> None:
    policy = policies.policy_create(
        actor=officer, name="k3", column_rules={"zip": "keep", "age": "keep", "disease": "keep"},
        tabular={"k": 3, "suppression": 0.25},
    )
    found = policy_risk(policy, table)
    assert found.suppressed == 2 and found.after is not None
    assert (found.after.records, found.after.k) == (7, 3)
    assert found.after.prosecutor_max == pytest.approx(1 / 3)
    assert found.after.prosecutor_avg == pytest.approx(2 / 7)
    assert dict(found.after.l_diversity) == {"disease": 2}
    assert found.t_by_column["disease"] == pytest.approx(8 / 21)


def test_an_unreachable_target_says_the_export_would_be_refused(
    table: Any, officer: Any
) -> None:
    policy = policies.policy_create(
        actor=officer, name="k5", column_rules={"zip": "keep", "age": "keep"},
        tabular={"k": 5, "suppression": 0.0, "max_levels": {"zip": 0, "age": 0}},
    )
    found = policy_risk(policy, table)
    assert found.after is None and "k=5 cannot be reached" in found.refused


def test_the_page_shows_the_figures_and_no_value(table: Any, officer: Any,
                                                 admin_user: Any, reviewer: Any) -> None:
    policy = policies.policy_create(actor=officer, name="bands", column_rules={
        "zip": "keep", "disease": "keep",
        "age": {"operator": "generalize", "params": {"entity_type": "NUMBER", "band": 10}},
    })
    url = reverse("policy_risk", args=[policy.public_id])
    for user in (officer, admin_user):  # numbers only: whoever may see policy and batch
        response = client_for(user).get(url, {"batch": str(table.public_id)},
                                         HTTP_HX_REQUEST="true")
        html = response.content.decode()
        assert response.status_code == 200
        assert '<tr data-measure="k"><th scope="row">k: the smallest group of look-alike ' \
               'records</th><td class="num before">1</td><td class="num after">2</td>' in html
        assert not any(v in html for v in ("Person 1", "flu", "cancer", "20-29", ">A<"))
    assert client_for(reviewer).get(url, {"batch": str(table.public_id)}).status_code == 403


def test_values_the_search_leaves_as_they_were_are_measured_under_their_rule(
    admin_user: Any, officer: Any
) -> None:
    # k=2 holds as uploaded ((A, 30) twice, (B, 30) twice), so the search leaves zip at level
    # 0; the export then writes zip under its rule, a mask that makes A and B alike: the
    # table that leaves has one group of four, and the page must say k=4, not 2.
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "text", "zip", "age"])
    for i, zip_code in enumerate("AABB"):
        writer.writerow([f"r{i}", "My parcel is late.", zip_code, 30])
    batch = services.batch_import(
        actor=admin_user, data=out.getvalue().encode(), name="Level 0", data_class="personal",
        purpose="internal_reporting", source_format="csv", id_column="id", text_columns=["text"],
    )
    columns.column_roles_store_suggestions(batch)
    columns.column_roles_confirm(actor=officer, batch=batch, choices={
        "zip": ("quasi_identifier", "category"), "age": ("quasi_identifier", "number")})
    policy = policies.policy_create(
        actor=officer, name="masked zip", tabular={"k": 2, "suppression": 0.0},
        column_rules={"zip": {"operator": "mask", "params": {"keep_last": 0}}, "age": "keep"},
    )
    found = policy_risk(policy, batch)
    assert found.before is not None and found.before.k == 2
    assert found.after is not None and (found.after.k, found.after.classes) == (4, 1)
