from __future__ import annotations

import pytest

from anonymizer.engine.evaluation import (
    GoldDoc,
    GoldSpan,
    evaluate,
    format_report,
    load_gold,
)
from anonymizer.engine.types import SpanCandidate

TEXT = "Jane Doe lives at 12 High St, ORD-123456."
#       0123456789012345678901234567890123456789


def pred(start: int, end: int, label: str) -> SpanCandidate:
    return SpanCandidate(start, end, label, 0.9, "test")


GOLD = GoldDoc("1", TEXT, (
    GoldSpan(0, 8, "PERSON"),
    GoldSpan(18, 28, "LOCATION"),
    GoldSpan(30, 40, "ID"),
))


def test_perfect_prediction() -> None:
    report = evaluate([GOLD], [[pred(0, 8, "PERSON"), pred(18, 28, "STREET_ADDRESS"),
                                pred(30, 40, "ORDER_ID")]])
    assert report.leak_rate == 0.0
    assert report.char_precision == 1.0
    assert {k: (v.precision, v.recall) for k, v in report.per_entity.items()} == {
        "PERSON": (1.0, 1.0), "LOCATION": (1.0, 1.0), "ID": (1.0, 1.0)}


def test_character_leak_and_precision() -> None:
    # Half of the name, all of the id (with the wrong type), nothing of the address;
    # plus 4 characters outside any gold span.
    report = evaluate([GOLD], [[pred(0, 4, "PERSON"), pred(30, 40, "PHONE_NUMBER"),
                                pred(9, 14, "LOCATION")]])
    assert report.gold_chars == 8 + 10 + 10
    assert report.leaked_chars == 4 + 10
    assert report.leak_rate == pytest.approx(14 / 28)
    assert report.predicted_chars == 4 + 10 + 5
    assert report.char_precision == pytest.approx(14 / 19)


def test_span_matching_is_by_overlap_and_type() -> None:
    report = evaluate([GOLD], [[pred(0, 4, "PERSON"), pred(30, 40, "PHONE_NUMBER"),
                                pred(9, 14, "LOCATION")]])
    person, location = report.per_entity["PERSON"], report.per_entity["LOCATION"]
    assert (person.precision, person.recall) == (1.0, 1.0)  # overlap counts
    assert (location.precision, location.recall) == (0.0, 0.0)
    assert report.per_entity["ID"].recall == 0.0  # the type was wrong
    assert report.per_entity["PHONE_NUMBER"].precision == 0.0


def test_f2_weights_recall() -> None:
    report = evaluate([GOLD], [[pred(0, 8, "PERSON"), pred(9, 14, "PERSON")]])
    person = report.per_entity["PERSON"]
    assert (person.precision, person.recall) == (0.5, 1.0)
    assert person.f2 == pytest.approx(5 * 0.5 * 1.0 / (4 * 0.5 + 1.0))


def test_no_predictions() -> None:
    report = evaluate([GOLD], [[]])
    assert report.leak_rate == 1.0
    assert report.char_precision == 1.0  # nothing predicted, nothing wrong
    assert report.overall.recall == 0.0


def test_load_gold_and_report() -> None:
    lines = ['{"id": "a", "text": "Hi Jane", "spans": [{"start": 3, "end": 7, "label": "PER"}]}',
             ""]
    [doc] = load_gold(lines)
    assert doc.spans == (GoldSpan(3, 7, "PERSON"),)
    text = format_report(evaluate([doc], [[pred(3, 7, "PERSON")]]))
    assert "PERSON" in text and "leak rate 0.00%" in text


def test_load_gold_names_the_bad_line() -> None:
    with pytest.raises(ValueError, match="line 2"):
        load_gold(['{"text": "ok", "spans": []}', '{"spans": []}'])
