from __future__ import annotations

from anonymizer.engine.merge import merge_spans
from anonymizer.engine.types import SpanCandidate


def span(start: int, end: int, label: str, score: float = 0.8,
         recognizer: str = "veil_rules") -> SpanCandidate:
    return SpanCandidate(start, end, label, score, recognizer, f"p_{label.lower()}")


def test_disjoint_spans_stay_apart_and_sorted() -> None:
    a, b = span(10, 15, "PERSON"), span(0, 5, "EMAIL_ADDRESS")
    assert merge_spans([a, b]) == [b, a]


def test_overlap_takes_the_strongest_type_and_its_provenance() -> None:
    email = span(5, 27, "EMAIL_ADDRESS", 1.0, "veil_rules")
    url = span(14, 27, "URL", 0.6, "presidio_url")
    [merged] = merge_spans([url, email])
    assert merged == email


def test_union_of_bounds_keeps_the_winners_provenance() -> None:
    street = span(0, 16, "STREET_ADDRESS", 0.8)
    postcode = span(12, 24, "POSTCODE", 0.9)
    [merged] = merge_spans([street, postcode])
    assert (merged.start, merged.end, merged.label) == (0, 24, "STREET_ADDRESS")
    assert merged.pattern_name == "p_street_address"
    assert merged.score == 0.8


def test_rule_bounds_win_over_a_wider_model_span() -> None:
    model = span(0, 20, "LOCATION", 0.85, "presidio_spacy")
    rule = span(4, 14, "ORDER_ID", 0.85)
    [merged] = merge_spans([model, rule])
    assert (merged.start, merged.end, merged.label) == (4, 14, "ORDER_ID")


def test_chained_overlaps_form_one_group() -> None:
    spans = [span(0, 5, "LOCATION"), span(4, 9, "POSTCODE"), span(8, 12, "LOCATION")]
    [merged] = merge_spans(spans)
    assert (merged.start, merged.end, merged.label) == (0, 12, "POSTCODE")


def test_touching_spans_are_not_merged() -> None:
    assert len(merge_spans([span(0, 5, "PERSON"), span(5, 9, "PERSON")])) == 2


def test_equal_strength_prefers_higher_score() -> None:
    low, high = span(0, 5, "PERSON", 0.4), span(0, 5, "PERSON", 0.9)
    assert merge_spans([low, high]) == [high]
