from __future__ import annotations

import json

import pytest

from anonymizer.engine.risk import RiskThresholds, Trigger, assess_risk
from anonymizer.engine.types import SpanCandidate

PLAIN = "The app crashes when I open the settings page."


def span(start: int, end: int, label: str = "PERSON", score: float = 0.85) -> SpanCandidate:
    return SpanCandidate(start, end, label, score, "veil_rules")


def codes(triggers: tuple[Trigger, ...]) -> set[str]:
    return {t.code for t in triggers}


def assess(text: str = PLAIN, spans: list[SpanCandidate] | None = None, **kw: object):  # type: ignore[no-untyped-def]
    args: dict[str, object] = {"data_class": "internal", "purpose": "theme_analysis"}
    args.update(kw)
    return assess_risk(text, spans or [], **args)  # type: ignore[arg-type]


def test_plain_internal_text_is_low_with_no_triggers() -> None:
    result = assess()
    assert (result.tier, result.triggers) == ("low", ())


@pytest.mark.parametrize(("data_class", "tier"), [
    ("public", "low"), ("internal", "low"), ("personal", "low"),
    ("confidential", "medium"), ("regulated", "high"),
])
def test_data_class(data_class: str, tier: str) -> None:
    result = assess(data_class=data_class)
    assert result.tier == tier
    assert ("data_class" in codes(result.triggers)) is (tier != "low")


@pytest.mark.parametrize(("purpose", "tier"), [
    ("theme_analysis", "low"), ("case_tracking", "low"), ("internal_reporting", "low"),
    ("external_sharing", "medium"), ("model_training", "medium"),
])
def test_purpose(purpose: str, tier: str) -> None:
    assert assess(purpose=purpose).tier == tier


@pytest.mark.parametrize(("text", "code", "tier"), [
    ("My lawyer will take you to court over this.", "legal_context", "medium"),
    ("I was in hospital after the diagnosis.", "health_context", "high"),
    ("The refund never reached my credit card.", "payment_context", "medium"),
    ("My daughter is 12 and uses this account.", "minors_context", "high"),
    ("I am filing a grievance about harassment by my manager.",
     "employee_grievance_context", "medium"),
])
def test_context_keywords_give_offsets_not_text(text: str, code: str, tier: str) -> None:
    result = assess(text)
    [trigger] = [t for t in result.triggers if t.code == code]
    assert trigger.tier == tier
    assert result.tier in (tier, "high")
    for start, end in trigger.detail["offsets"]:
        assert 0 <= start < end <= len(text)
    assert text not in json.dumps(trigger.detail)
    assert trigger.detail["count"] == len(trigger.detail["offsets"])


def test_narrative_by_length_and_by_sentences() -> None:
    long_text = "word " * 300
    assert "narrative" in codes(assess(long_text).triggers)
    many = "It broke. " * 12
    assert "narrative" in codes(assess(many).triggers)
    assert "narrative" not in codes(assess("It broke. " * 3).triggers)


def test_identifier_density_medium_and_high() -> None:
    text = "x" * 100
    sparse = assess(text, [span(0, 2), span(10, 12, "EMAIL_ADDRESS")])
    assert "identifier_density" not in codes(sparse.triggers)
    medium = assess(text, [span(0, 2), span(10, 12, "EMAIL_ADDRESS"), span(40, 42)])
    [t] = [t for t in medium.triggers if t.code == "identifier_density"]
    assert (t.tier, t.detail["spans"]) == ("medium", 3)
    spans = [span(0, 2), span(10, 12, "EMAIL_ADDRESS"), span(20, 22, "PHONE_NUMBER"),
             span(30, 32, "ORDER_ID")]
    high = assess(text, spans)
    assert high.tier == "high"
    assert [t.tier for t in high.triggers if t.code == "identifier_density"] == ["high"]


def test_payment_and_government_ids_are_high() -> None:
    result = assess("card 4111111111111111", [span(5, 21, "CREDIT_CARD", 1.0)])
    assert result.tier == "high"
    assert "payment_or_government_id" in codes(result.triggers)


def test_low_confidence_detections() -> None:
    text = "a" * 400
    result = assess(text, [span(0, 5, score=0.4), span(100, 105, score=0.9)])
    [t] = [t for t in result.triggers if t.code == "low_confidence"]
    assert (t.detail["count"], t.detail["offsets"]) == (1, [(0, 5)])
    assert result.tier == "medium"


def test_validation_sample() -> None:
    result = assess(validation_sample=True)
    assert (result.tier, codes(result.triggers)) == ("medium", {"validation_sample"})


def test_thresholds_can_be_overridden() -> None:
    strict = RiskThresholds(low_confidence_score=0.95)
    text = "a" * 400
    assert assess(text, [span(0, 5, score=0.9)]).tier == "low"
    assert assess(text, [span(0, 5, score=0.9)], thresholds=strict).tier == "medium"


def test_triggers_are_frozen() -> None:
    result = assess(data_class="regulated")
    with pytest.raises(AttributeError):
        result.triggers[0].code = "x"  # type: ignore[misc]
