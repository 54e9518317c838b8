"""The implied-identifier layer against a policy (anonymizer.engine.layers)."""

from __future__ import annotations

from anonymizer.engine.layers import apply_implied_layer
from anonymizer.engine.types import Span

TEXT = "I am the only nurse at the Leeds clinic."
PHRASE = Span(0, 39, "QUASI_OCCUPATION")
PLACE = Span(27, 32, "LOCATION")


def test_a_kept_phrase_leaves_its_detections_to_themselves() -> None:
    ops = {"QUASI_OCCUPATION": "keep", "LOCATION": "replace"}
    assert apply_implied_layer([PHRASE, PLACE], ops.__getitem__) == [PLACE]


def test_a_transformed_phrase_takes_the_detections_inside_it() -> None:
    ops = {"QUASI_OCCUPATION": "replace", "LOCATION": "keep"}
    assert apply_implied_layer([PHRASE, PLACE], ops.__getitem__) == [PHRASE]


def test_a_detection_past_the_edge_stays() -> None:
    crossing = Span(30, 45, "ORGANIZATION")
    ops = {"QUASI_OCCUPATION": "redact", "ORGANIZATION": "replace"}
    assert apply_implied_layer([PHRASE, crossing], ops.__getitem__) == [PHRASE, crossing]


def test_no_phrase_changes_nothing() -> None:
    assert apply_implied_layer([PLACE], lambda label: "keep") == [PLACE]
