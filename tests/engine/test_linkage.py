"""The linkage test (anonymizer.engine.linkage): planted links are found, a k = 5 release
gives none, values never come back."""

from __future__ import annotations

import random

import pandas as pd

from anonymizer.engine.linkage import cell_matches, join_test, linkage_test, text_test
from anonymizer.engine.tabular import generalize_search

GENDERS = ("F", "M")


def people(n: int, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [{
        "name": f"Person{i} Surname{i}",
        "email": f"person{i}@example.org",
        "age": str(rng.randint(20, 79)),
        "postcode": f"LS{rng.randint(1, 9)} {rng.randint(1, 9)}AB",
        "gender": rng.choice(GENDERS),
    } for i in range(n)]


def test_cells_match_as_an_attacker_reads_them() -> None:
    assert cell_matches("30-39", "34") and not cell_matches("30-39", "41")
    assert cell_matches("LS1*", "LS1 4AB") and not cell_matches("LS1*", "LS2 4AB")
    assert cell_matches("*", "anything") and cell_matches(" leeds ", "Leeds")
    assert not cell_matches("30-39", "thirty")


def test_planted_links_are_found_by_record_id() -> None:
    crm = people(300)
    # the release: 5 records copied from the list with their exact quasi-identifiers, the
    # name of a sixth in its text, and 20 records of people not on the list
    released = [(f"rec-{i}", {k: crm[i][k] for k in ("age", "postcode", "gender")},
                 "A note about the order.") for i in range(5)]
    released.append(("rec-named", {"age": "*", "postcode": "*", "gender": "*"},
                     f"Customer {crm[42]['name']} called about a refund."))
    rng = random.Random(9)
    released += [(f"other-{i}", {"age": str(rng.randint(80, 99)), "postcode": "ZZ9 9ZZ",
                                 "gender": "F"}, "Nothing to see.") for i in range(20)]
    shared = {"age": "age", "postcode": "postcode", "gender": "gender"}
    unique, _ = join_test(crm, [(r, c) for r, c, _ in released], shared)
    exact_unique = {f"rec-{i}" for i in range(5)
                    if sum(1 for p in crm if all(p[k] == crm[i][k] for k in shared)) == 1}
    assert set(unique) == exact_unique and exact_unique
    result = linkage_test(crm, released, shared, ["name", "email"])
    assert "rec-named" in result.text_hits and result.text_hit_columns == {"name": 1}
    assert not result.passed
    figures = repr(result.as_dict())
    assert crm[42]["name"] not in figures and "LS" not in figures  # ids and counts only


def test_a_k5_release_gives_no_link() -> None:
    crm = people(400, seed=5)
    table = [{k: p[k] for k in ("age", "postcode", "gender")} for p in crm]
    result = generalize_search(pd.DataFrame(table), {"age": "age", "postcode": "postcode",
                                       "gender": "category"}, k=5, suppression_budget=0.05)
    assert result.k >= 5
    rows = result.table.to_dict("records")
    released = [(f"rec-{i}", {k: str(v) for k, v in row.items()}, "Thanks for the help.")
                for i, row in enumerate(rows)]
    outcome = linkage_test(crm, released, {"age": "age", "postcode": "postcode",
                                           "gender": "gender"}, ["name", "email"])
    assert outcome.unique_matches == [] and outcome.reidentified_rows == 0
    assert outcome.text_hits == [] and outcome.passed


def test_short_values_do_not_match_by_chance() -> None:
    hits, _ = text_test([{"name": "Al"}, {"name": "Ann Smith"}],
                        [("1", "Also, ann smith wrote."), ("2", "Al came by. Annsmith")],
                        ["name"])
    assert hits == ["1"]
