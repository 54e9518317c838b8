"""The privacy-utility figures (anonymizer.engine.utility) on data whose answers are known."""

from __future__ import annotations

import pytest

from anonymizer.engine.synth import generate_topic_tickets
from anonymizer.engine.utility import (
    UtilityReport,
    chars_changed_share,
    column_fidelity,
    correlation_change,
    laplace_expected_error,
    standard_queries,
    task_accuracy,
)


def test_task_accuracy_sees_what_a_policy_destroys() -> None:
    docs = generate_topic_tickets(150, seed=5)
    texts = [d["text"] for d in docs]
    labels = [d["topic"] for d in docs]
    kept = task_accuracy(texts, texts, labels, folds=3)
    assert kept.raw == kept.transformed and kept.raw > 0.8 and kept.kept == 1.0
    # a "policy" that leaves nothing of the text: accuracy falls to chance (5 topics)
    blank = task_accuracy(texts, ["[REDACTED]"] * len(texts), labels, folds=3)
    assert blank.transformed < 0.35 and blank.kept < 0.45
    assert (blank.folds, blank.records, blank.classes) == (3, 150, 5)


def test_task_accuracy_needs_two_classes_of_two() -> None:
    with pytest.raises(ValueError):
        task_accuracy(["a", "b", "c"], ["a", "b", "c"], ["x", "x", "y"])


def test_chars_changed_share() -> None:
    assert chars_changed_share(["abcd", "efghij"], [2, 3]) == 0.5
    assert chars_changed_share([], []) == 0.0


def test_column_fidelity_reads_generalized_and_suppressed_cells() -> None:
    raw = [{"age": 31, "city": "Leeds"}, {"age": 35, "city": "Leeds"},
           {"age": 52, "city": "York"}, {"age": 58, "city": "Hull"}]
    released = [{"age": "30-39", "city": "Leeds"}, {"age": "30-39", "city": "Leeds"},
                {"age": "50-59", "city": "*"}, {"age": "50-59", "city": "*"}]
    age, city = column_fidelity(raw, released, ["age", "city"])
    assert (age.kind, city.kind) == ("numeric", "categorical")
    assert city.suppressed_share == 0.5
    # Leeds is all that is left: half the raw mass (York, Hull) moved onto it
    assert city.distribution_distance == 0.5
    assert age.wasserstein is not None and 0 < age.wasserstein < 0.2


def test_standard_queries_and_their_relative_error() -> None:
    raw = [{"age": a, "plan": p} for a, p in [(30, "gold"), (40, "gold"), (50, "basic")]]
    released = [{"age": "30-39", "plan": "gold"}, {"age": "40-49", "plan": "*"},
                {"age": "50-59", "plan": "basic"}]
    queries = {q.query: q for q in standard_queries(raw, released, ["age", "plan"])}
    assert queries["avg(age)"].raw == 40 and queries["avg(age)"].released == 44.5
    gold = queries["count(plan = #1)"]
    assert (gold.raw, gold.released, gold.relative_error) == (2, 1, 0.5)
    assert "gold" not in "".join(queries)  # query names never hold values


def test_correlation_change() -> None:
    raw = [{"x": i, "y": 2 * i} for i in range(10)]
    same = correlation_change(raw, raw, ["x", "y"])
    assert same == 0.0
    flat = [{"x": i, "y": 5} for i in range(10)]
    assert correlation_change(raw, flat, ["x", "y"]) == 1.0
    assert correlation_change(raw, raw, ["x"]) is None


def test_laplace_error_and_the_manifest_object() -> None:
    assert laplace_expected_error(0.5) == 2.0
    with pytest.raises(ValueError):
        laplace_expected_error(0)
    docs = generate_topic_tickets(40, seed=1)
    task = task_accuracy([d["text"] for d in docs], [d["text"] for d in docs],
                         [d["topic"] for d in docs], folds=2)
    report = UtilityReport(task=task, chars_changed_share=0.1, label="topic")
    figures = report.as_dict()
    for key in ("task_accuracy_raw", "task_accuracy_transformed", "chars_changed_share",
                "query_relative_error"):
        assert key in figures
    assert figures["query_relative_error"] is None and figures["task_accuracy_kept"] == 1.0
