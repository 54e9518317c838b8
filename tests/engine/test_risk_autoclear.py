"""Auto-clear (issue 13 §4, the risk part): a record is low only when every identifier-shaped
token is covered by a confident span and no uncertain candidate sits in it."""

from __future__ import annotations

import json

import pytest

from anonymizer.engine.risk import RiskThresholds, assess_risk
from anonymizer.engine.types import SpanCandidate


def span(text: str, part: str, label: str, score: float = 0.85) -> SpanCandidate:
    start = text.index(part)
    return SpanCandidate(start, start + len(part), label, score, "veil_rules")


def assess(text: str, spans: list[SpanCandidate], **kw: object):  # type: ignore[no-untyped-def]
    return assess_risk(text, spans, data_class="personal", purpose="theme_analysis",
                       **kw)  # type: ignore[arg-type]


def codes(text: str, spans: list[SpanCandidate], **kw: object) -> set[str]:
    return {t.code for t in assess(text, spans, **kw).triggers}


APP_ERROR = "The app shows error 7XQ2291B every time I start it in the morning."


@pytest.mark.parametrize(("text", "parts", "tier", "expected_codes"), [
    # an identifier-shaped token that no span covers
    (APP_ERROR, [], "medium", {"uncovered_identifier"}),
    # ... covered by a confident span: nothing to say
    (APP_ERROR, [("7XQ2291B", "ID", 0.8)], "low", set()),
    # ... covered only by a low-score span: still not cleared
    (APP_ERROR, [("7XQ2291B", "ID", 0.4)], "medium", {"uncovered_identifier", "low_confidence"}),
    # a hint after a word that introduces a place
    ("The parcel went to Vexbridgeton again.", [("Vexbridgeton", "PROPER_NOUN", 0.3)],
     "medium", {"uncertain_candidate"}),
    # a hint beside a detected name
    ("Thanks for the quick help with the login issue, Anna Quorreld-Ibsen",
     [("Anna", "PERSON", 0.85), ("Quorreld", "PROPER_NOUN", 0.3)],
     "medium", {"uncertain_candidate"}),
    # a hint where a capital letter says nothing: the start of a text or of a line
    ("Vexbridgeton: can you check this?", [("Vexbridgeton", "PROPER_NOUN", 0.3)],
     "medium", {"uncertain_candidate"}),
    ("Hello team,\nQorvandel said it is fine.", [("Qorvandel", "PROPER_NOUN", 0.3)],
     "medium", {"uncertain_candidate"}),
    # a hint in no risky spot: a product name in the middle of a sentence
    ("The Zenbook keeps crashing when it wakes up.", [("Zenbook", "PROPER_NOUN", 0.3)],
     "low", set()),
    # dates and versions are no identifiers
    ("Since 2023-01-05 the v2.3.1 update fails.", [], "low", set()),
])
def test_auto_clear(text: str, parts: list[tuple[str, str, float]], tier: str,
                    expected_codes: set[str]) -> None:
    spans = [span(text, part, label, score) for part, label, score in parts]
    result = assess(text, spans)
    assert result.tier == tier
    assert {t.code for t in result.triggers} == expected_codes


def test_triggers_give_offsets_and_counts_never_text() -> None:
    text = "Case 7XQ2291B and 99812345 went to Vexbridgeton."
    spans = [span(text, "Vexbridgeton", "PROPER_NOUN", 0.3)]
    for trigger in assess(text, spans).triggers:
        detail = json.dumps(trigger.detail)
        assert "7XQ2291B" not in detail and "Vexbridgeton" not in detail
        assert trigger.detail["count"] == len(trigger.detail["offsets"])
    [uncovered] = [t for t in assess(text, spans).triggers if t.code == "uncovered_identifier"]
    assert uncovered.detail["count"] == 2


def test_the_new_thresholds_are_fields() -> None:
    text = "The parcel went to Vexbridgeton again."
    spans = [span(text, "Vexbridgeton", "PROPER_NOUN", 0.3)]
    assert assess(text, spans, thresholds=RiskThresholds(max_risky_hints=1)).tier == "low"
    assert assess(text, spans, thresholds=RiskThresholds(hint_window=0)).tier == "low"
    covered = [span("error 7XQ2291B", "7XQ2291B", "ID", 0.7)]
    strict = RiskThresholds(confident_score=0.75)
    assert "uncovered_identifier" in codes("error 7XQ2291B", covered, thresholds=strict)
    assert "uncovered_identifier" not in codes("error 7XQ2291B", covered)
