"""Structured-column risk, generalization and DP aggregates on small hand-checked tables."""

from __future__ import annotations

import itertools
import math
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from anonymizer.engine.tabular import (
    BudgetExceeded,
    ColumnRoleKind,
    Hierarchy,
    TargetUnreachable,
    budget_check,
    dp_aggregates,
    generalize_search,
    hierarchy_for,
    risk_metrics,
    suggest_role,
)

# Classes over (zip, age): {130, 2x} x3, {148, 3x} x2, {150, 4x} x1.
CLINIC = {
    "zip": ["130", "130", "130", "148", "148", "150"],
    "age": ["2x", "2x", "2x", "3x", "3x", "4x"],
    "diag": ["flu", "cold", "flu", "flu", "cancer", "flu"],
}

# Pairs that only become 2-anonymous with ages in bands of 10 (see test_it_finds_the_minimal_node).
PEOPLE = {
    "zip": ["13053", "13053", "13068", "13068", "14853", "14853", "14850", "14850"],
    "age": ["28", "29", "21", "23", "50", "55", "47", "49"],
    "diag": ["flu", "cold", "flu", "cold", "flu", "cancer", "cold", "flu"],
}


def test_it_measures_k_uniques_and_risks_by_hand() -> None:
    report = risk_metrics(CLINIC, ["zip", "age"], ["diag"])
    assert (report.records, report.classes, report.k) == (6, 3, 1)
    assert report.uniques == 1
    assert report.unique_share == pytest.approx(1 / 6)
    assert report.prosecutor_max == pytest.approx(1.0)  # 1 / smallest class
    assert report.prosecutor_avg == pytest.approx(3 / 6)  # classes / records
    assert report.journalist_max == report.prosecutor_max  # data taken as the population
    assert report.journalist_avg == report.prosecutor_avg
    assert report.marketer == pytest.approx(3 / 6)


def test_it_measures_l_and_t_by_hand() -> None:
    report = risk_metrics(CLINIC, ["zip", "age"], ["diag"])
    # distinct diagnoses per class: {flu, cold} = 2, {flu, cancer} = 2, {flu} = 1
    assert report.as_dict()["l_diversity"] == {"diag": 1}
    # overall flu 4/6, cold 1/6, cancer 1/6. Class {148}: flu 1/2, cancer 1/2 ->
    # 0.5 * (|1/2 - 4/6| + |0 - 1/6| + |1/2 - 1/6|) = 1/3; class {150}: 0.5 * (1/3 + 1/6 + 1/6).
    assert report.t_attribute == "diag"
    assert report.t_closeness == pytest.approx(1 / 3)


def test_it_takes_a_dataframe_and_no_quasi_identifiers() -> None:
    frame = pd.DataFrame(CLINIC)
    assert risk_metrics(frame, ["zip", "age"], ["diag"]) == risk_metrics(
        CLINIC, ["zip", "age"], ["diag"])
    whole = risk_metrics(CLINIC, [], ["diag"])
    assert (whole.k, whole.classes, whole.as_dict()["l_diversity"]) == (6, 1, {"diag": 3})
    assert whole.t_closeness == pytest.approx(0.0)


def test_it_reports_an_empty_table_as_zero_risk() -> None:
    report = risk_metrics({"zip": [], "age": []}, ["zip", "age"])
    assert (report.records, report.k, report.prosecutor_max) == (0, 0, 0.0)


@pytest.mark.parametrize(("kind", "value", "expected"), [
    ("date", "2024-05-17", ("2024-05-17", "2024-05", "2024-Q2", "2024", "*")),
    ("date", "not a date", ("not a date", "*", "*", "*", "*")),
    ("number", "37", ("37", "35-39", "30-39", "20-39", "*")),
    ("age", "-3", ("-3", "-5--1", "-10--1", "-20--1", "*")),
    ("postcode", "12345", ("12345", "1234*", "123*", "12*", "1*", "*")),
    ("zip", "SW1A 1AA", ("SW1A 1AA", "SW1A 1A*", "SW1A 1*", "SW1A*", "SW1*", "SW*", "S*", "*")),
])
def test_it_generalizes_one_value_through_each_level(kind: str, value: str,
                                                      expected: tuple[str, ...]) -> None:
    levels = hierarchy_for(kind).levels([value])
    assert tuple(level[0] for level in levels) == expected


def test_it_folds_rare_categories_into_other_by_threshold() -> None:
    levels = hierarchy_for("category").levels(["a", "b", "c"], [190, 9, 1])  # 95%, 4.5%, 0.5%
    assert levels == (("a", "b", "c"), ("a", "b", "Other"), ("a", "Other", "Other"),
                      ("*", "*", "*"))
    assert hierarchy_for("category").level_names(4)[-1] == "*"


def test_it_refuses_an_unknown_hierarchy_kind() -> None:
    with pytest.raises(ValueError, match="unknown hierarchy kind"):
        hierarchy_for("colour")


def test_it_finds_the_minimal_node() -> None:
    # Ages alone are all distinct; bands of 5 split 50 and 55; bands of 10 pair every record,
    # and keeping the full zip is cheaper than generalizing it.
    result = generalize_search(PEOPLE, {"zip": "postcode", "age": "number"}, k=2)
    assert dict(result.levels) == {"zip": 0, "age": 2}
    assert dict(result.level_names) == {"zip": "value", "age": "bands of 10"}
    assert (result.k, result.suppressed, result.l) == (2, 0, None)
    assert result.generalized_cell_share == pytest.approx(0.5)
    assert result.risk_before.k == 1
    assert result.risk_after.k == 2
    assert result.risk_after.prosecutor_max == pytest.approx(0.5)
    assert sorted(result.table["age"]) == ["20-29"] * 4 + ["40-49"] * 2 + ["50-59"] * 2
    # Non-uniform entropy: 4 records in 20-29 lose 2 bits, 4 in pairs lose 1 bit each.
    assert result.entropy_bits == pytest.approx(12.0)
    assert result.discernibility == 4 * 2 ** 2  # four classes of two
    assert 0 < result.information_loss < 1
    assert result.evaluated <= result.lattice_size == 6 * 5


def test_it_suppresses_an_outlier_within_the_budget() -> None:
    table = {"zip": ["11111", "11111", "22222", "22222", "33333", "33333", "44444", "44444",
                     "55555", "55555", "99999"],
             "plan": ["pro"] * 11}
    result = generalize_search(table, {"zip": "postcode", "plan": "category"}, k=2,
                               suppression_budget=0.1)
    assert dict(result.levels) == {"zip": 0, "plan": 0}
    assert (result.suppressed, result.k) == (1, 2)
    assert result.suppressed_share == pytest.approx(1 / 11)
    assert len(result.table) == 10
    assert "99999" not in set(result.table["zip"])
    assert result.as_dict()["risk_after"]["k"] == 2


def test_it_reaches_l_diversity_too() -> None:
    result = generalize_search(PEOPLE, {"zip": "postcode", "age": "number"}, k=2, l=2,
                               sensitive=["diag"])
    assert result.l is not None and result.l >= 2
    assert result.k >= 2
    assert result.risk_after.as_dict()["l_diversity"]["diag"] >= 2


def test_it_names_the_blocking_quasi_identifier() -> None:
    with pytest.raises(TargetUnreachable) as caught:
        generalize_search(PEOPLE, {"zip": "postcode", "age": "number"}, k=2,
                          max_levels={"age": 1})
    message = str(caught.value)
    assert "'age'" in message
    assert "'zip'" not in message
    assert not any(value in message for value in PEOPLE["zip"] + PEOPLE["age"])


def test_it_refuses_k_larger_than_the_table() -> None:
    with pytest.raises(TargetUnreachable, match="fewer than k = 20"):
        generalize_search(PEOPLE, {"zip": "postcode"}, k=20)


def test_it_refuses_l_beyond_the_sensitive_values() -> None:
    with pytest.raises(TargetUnreachable, match="'diag' has fewer than l = 4"):
        generalize_search(PEOPLE, {"zip": "postcode"}, k=2, l=4, sensitive=["diag"])


def test_it_accepts_a_custom_hierarchy() -> None:
    result = generalize_search(PEOPLE, {"zip": "postcode", "age": Hierarchy("number", (10,))},
                               k=2)
    assert dict(result.level_names) == {"zip": "value", "age": "bands of 10"}


def _exhaustive_best(table: dict[str, list[str]], quasi: dict[str, str], k: int,
                     budget: float) -> float:
    """Least non-uniform entropy over every node, in plain Python: a suppressed record loses
    log2(n / count(value)) per cell, a kept one log2(count(generalized) / count(value))."""
    n = len(next(iter(table.values())))
    labels: dict[str, list[dict[str, str]]] = {}
    for column, kind in quasi.items():
        values = sorted(set(table[column]))
        counts = [table[column].count(v) for v in values]
        levels = hierarchy_for(kind).levels(values, counts)
        labels[column] = [dict(zip(values, level, strict=True)) for level in levels]
    best = math.inf
    for node in itertools.product(*(range(len(labels[c])) for c in quasi)):
        generalized = {c: [labels[c][lv][v] for v in table[c]]
                       for c, lv in zip(quasi, node, strict=True)}
        records = list(zip(*generalized.values(), strict=True))
        sizes = Counter(records)
        dropped = [sizes[r] < k for r in records]
        if sum(dropped) > math.floor(budget * n) or all(dropped):
            continue
        loss = 0.0
        for c in quasi:
            original, general = Counter(table[c]), Counter(generalized[c])
            for i, value in enumerate(table[c]):
                kept = general[generalized[c][i]]
                loss += math.log2((n if dropped[i] else kept) / original[value])
        best = min(best, loss)
    return best


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_matches_an_exhaustive_search(seed: int) -> None:
    rng = random.Random(seed)
    table = {"zip": [f"{rng.randint(100, 130)}" for _ in range(60)],
             "age": [str(rng.randint(18, 70)) for _ in range(60)],
             "plan": [rng.choice(["free", "free", "free", "pro", "team"]) for _ in range(60)]}
    quasi = {"zip": "postcode", "age": "number", "plan": "category"}
    result = generalize_search(table, quasi, k=3, suppression_budget=0.05)
    assert result.k >= 3 and result.suppressed <= 3
    assert result.entropy_bits == pytest.approx(_exhaustive_best(table, quasi, 3, 0.05))
    assert result.evaluated < result.lattice_size


def test_it_imports_no_django() -> None:
    code = ("import anonymizer.engine.tabular, sys; "
            "assert 'django' not in sys.modules, 'django imported'")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize(("header", "values", "role"), [
    ("Email", [], ColumnRoleKind.DIRECT),
    ("customer_name", [], ColumnRoleKind.DIRECT),
    ("PhoneNumber", [], ColumnRoleKind.DIRECT),
    ("postcode", ["SW1A 1AA"], ColumnRoleKind.QUASI),
    ("birth_year", ["1980"], ColumnRoleKind.QUASI),
    ("date_of_birth", ["1980-02-03"], ColumnRoleKind.QUASI),
    ("Gender", ["F"], ColumnRoleKind.QUASI),
    ("age", ["41"], ColumnRoleKind.QUASI),
    ("diagnosis code", ["J10"], ColumnRoleKind.SENSITIVE),
    ("complaint category", ["billing"], ColumnRoleKind.SENSITIVE),
    ("usage", ["12"], ColumnRoleKind.INSENSITIVE),
    ("device", ["ios"], ColumnRoleKind.INSENSITIVE),
    ("contact", ["ann@example.org", "bob@example.com"], ColumnRoleKind.DIRECT),
    ("ref", ["+44 20 7946 0018", "020 7946 0019"], ColumnRoleKind.DIRECT),
    ("when", ["2024-01-02", "2023-11-30"], ColumnRoleKind.INSENSITIVE),
])
def test_it_suggests_a_role(header: str, values: list[str], role: ColumnRoleKind) -> None:
    assert suggest_role(header, values) == role


def test_role_values_are_the_stored_ones() -> None:
    # Stored in ColumnRole rows: changing a value needs a data migration.
    assert ColumnRoleKind.choices() == [
        ("direct_identifier", "Direct identifier"), ("quasi_identifier", "Quasi-identifier"),
        ("sensitive", "Sensitive attribute"), ("insensitive", "Insensitive")]
    assert str(ColumnRoleKind.QUASI) == "quasi_identifier"


def test_it_checks_the_budget() -> None:
    budget_check(0.5, 0.5, 1.0)
    with pytest.raises(BudgetExceeded, match="0.25 remains"):
        budget_check(0.75, 0.5, 1.0)
    with pytest.raises(ValueError):
        budget_check(0.0, 0.0, 1.0)


def test_it_releases_plausible_private_aggregates() -> None:
    rows = {"plan": ["free"] * 1500 + ["pro"] * 500,
            "spend": ["10"] * 1500 + ["60"] * 499 + ["oops"]}
    released = dp_aggregates(rows, "plan", "spend", epsilon=1.0, bounds=(0.0, 100.0),
                             categories=["free", "pro", "team"])
    by_category = {row["category"]: row for row in released}
    assert set(by_category) == {"free", "pro", "team"}
    assert abs(by_category["free"]["count"] - 1500) < 60
    assert abs(by_category["pro"]["count"] - 500) < 60
    assert abs(by_category["team"]["count"]) < 60
    assert abs(by_category["free"]["mean"] - 10) < 5
    assert abs(by_category["pro"]["mean"] - 60) < 5
    assert all(row["epsilon"] == 1.0 for row in released)


def test_it_releases_counts_only_and_refuses_bad_epsilon() -> None:
    released = dp_aggregates({"plan": ["a", "b", "b"]}, "plan", None, epsilon=0.5)
    assert [row["category"] for row in released] == ["a", "b"]
    assert all("mean" not in row and isinstance(row["count"], int) for row in released)
    with pytest.raises(ValueError):
        dp_aggregates({"plan": ["a"]}, "plan", None, epsilon=math.inf)
