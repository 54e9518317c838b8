"""Implied identifiers (anonymizer.engine.quasi): what is found, its extent, what is not, and
how the layer reaches the analyzer, risk and evaluation."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from anonymizer.engine.analyzer import Analyzer, detect, get_analyzer
from anonymizer.engine.evaluation import GoldDoc, GoldSpan, evaluate, evaluate_groups
from anonymizer.engine.labels import info, is_implied
from anonymizer.engine.quasi import QUASI_LABELS, find_quasi
from anonymizer.engine.quasi_synth import generate, parse_markup, read_markup
from anonymizer.engine.risk import assess_risk
from anonymizer.engine.ruleset import RuleSetConfig, default_ruleset_config
from anonymizer.engine.types import SpanCandidate

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "quasi"


def found(text: str) -> list[tuple[str, str]]:
    return [(q.label, text[q.start:q.end]) for q in find_quasi(text)]


@pytest.mark.parametrize(("text", "label", "phrase"), [
    ("My daughter, who is 7, cannot log in.", "QUASI_FAMILY", "My daughter, who is 7"),
    ("my 8-year-old son broke it", "QUASI_FAMILY", "my 8-year-old son"),
    ("I am the only paediatric nurse at the Leeds clinic.", "QUASI_OCCUPATION",
     "I am the only paediatric nurse at the Leeds clinic"),
    ("a lawyer practising in Ankara, complained", "QUASI_OCCUPATION",
     "a lawyer practising in Ankara"),
    ("I'm 87 and live alone.", "QUASI_AGE", "I'm 87"),
    ("The applicant, born in 1957, ...", "QUASI_AGE", "born in 1957"),
    ("They towed my red 2015 Toyota Corolla.", "QUASI_VEHICLE", "my red 2015 Toyota Corolla"),
    ("My iPhone 12 with the cracked screen is not covered.", "QUASI_DEVICE",
     "My iPhone 12 with the cracked screen"),
    ("I was diagnosed with Ehlers-Danlos syndrome in 2020.", "QUASI_CONDITION",
     "diagnosed with Ehlers-Danlos syndrome"),
    ("After the fire at our house last March we moved.", "QUASI_EVENT",
     "the fire at our house last March"),
    ("I have called 14 times since January about it.", "QUASI_HISTORY",
     "I have called 14 times since January"),
    ("He was convicted of fraud in 2011.", "QUASI_HISTORY", "was convicted of fraud in 2011"),
])
def test_each_type_is_found_with_the_whole_phrase(text: str, label: str, phrase: str) -> None:
    assert (label, phrase) in found(text)


@pytest.mark.parametrize("text", [
    "My son likes the game.",
    "Nurses at hospitals work hard.",
    "I am a teacher and use it in class.",
    "I bought a car and a phone.",
    "I called yesterday.",
    "It has a 2-year warranty and I am 100% sure.",
    "The app crashed 5 times today.",
    "my phone will not charge",
])
def test_generic_mentions_single_no_one_out(text: str) -> None:
    assert found(text) == []


def test_a_superlative_scores_higher_than_a_plain_occupation() -> None:
    only = find_quasi("I am the only midwife at the Truro clinic.")
    plain = find_quasi("I work as a midwife in Truro.")
    assert only and plain and only[0].score > plain[0].score >= 0.6


def test_every_label_is_an_implied_identifier_type() -> None:
    for label in QUASI_LABELS:
        assert is_implied(label) and info(label).category == "quasi_identifier"


def _scores(docs: list[dict]) -> tuple[float, float]:
    gold_docs = [GoldDoc(str(i), d["text"], tuple(
        GoldSpan(s["start"], s["end"], s["label"]) for s in d["spans"])) for i, d in
        enumerate(docs)]
    groups = evaluate_groups(gold_docs, [find_quasi(d["text"]) for d in docs])
    return groups["implied"].recall, groups["implied"].precision


def test_hand_written_and_generated_tickets() -> None:
    """The project's own labelled tickets (the patterns were written beside them, so these
    figures guard against regressions; heldout.txt, written blind to the patterns, is the
    honest measure, below)."""
    hand = read_markup((FIXTURES / "hand.txt").read_text(encoding="utf-8").splitlines())
    assert len(hand) >= 50
    recall, precision = _scores(hand + generate(200, seed=11))
    assert recall >= 0.95 and precision >= 0.95


def test_markup_parses_nested_spans() -> None:
    doc = parse_markup("I am [[QUASI_OCCUPATION|the vicar at [[LOCATION|Hexham]]]].")
    assert doc["text"] == "I am the vicar at Hexham."
    spans = [(s["label"], doc["text"][s["start"]:s["end"]]) for s in doc["spans"]]
    assert spans == [("QUASI_OCCUPATION", "the vicar at Hexham"), ("LOCATION", "Hexham")]
    with pytest.raises(ValueError):
        parse_markup("[[PERSON|unclosed")


def test_evaluate_leaves_implied_spans_to_their_own_group() -> None:
    text = "I am the only nurse at the Leeds clinic."
    gold = GoldDoc("1", text, (GoldSpan(27, 32, "LOCATION"),))
    predicted = [SpanCandidate(27, 32, "LOCATION", 0.9, "rules"),
                 SpanCandidate(0, 39, "QUASI_OCCUPATION", 0.9, "veil_quasi")]
    report = evaluate([gold], [predicted])
    assert report.overall.predicted == 1 and report.overall.precision == 1.0
    groups = evaluate_groups([gold], [predicted])
    assert (groups["implied"].gold, groups["implied"].predicted) == (0, 1)
    assert groups["implied"].precision == 0.0 and groups["context"].recall == 1.0


def test_risk_trigger_tiers() -> None:
    text = "I am the only nurse at the Leeds clinic and my daughter, who is 7, is ill."
    spans = find_quasi(text)
    result = assess_risk(text, spans, data_class="internal", purpose="theme_analysis")
    trigger = next(t for t in result.triggers if t.code == "implied_identifier")
    assert trigger.tier == "high" and trigger.detail["count"] == 2
    assert "nurse" not in repr(trigger.detail)  # offsets, never text
    mild = "I work as a midwife in Truro."
    result = assess_risk(mild, find_quasi(mild), data_class="internal", purpose="theme_analysis")
    assert [(t.code, t.tier) for t in result.triggers] == [("implied_identifier", "medium")]


def test_ruleset_flag_round_trip_keeps_older_digests() -> None:
    assert default_ruleset_config().implied_identifiers  # new installations detect them
    base = dataclasses.replace(default_ruleset_config(), implied_identifiers=False)
    assert "implied_identifiers" not in base.to_dict()  # older configurations keep digests
    assert RuleSetConfig.from_dict(base.to_dict()).implied_identifiers is False
    on = dataclasses.replace(base, implied_identifiers=True)
    assert RuleSetConfig.from_dict(on.to_dict()).implied_identifiers is True
    with pytest.raises(ValueError):
        RuleSetConfig.from_dict({**on.to_dict(), "implied_identifiers": "yes"})


@pytest.fixture(scope="module")
def plain_analyzer() -> Analyzer:
    return get_analyzer(dataclasses.replace(default_ruleset_config(), implied_identifiers=False))


def test_the_analyzer_adds_the_layer_over_detections(
    plain_analyzer: Analyzer, analyzer: Analyzer
) -> None:
    text = "Hello, I am the only paediatric nurse at the Leeds General clinic. Sam"
    plain = detect(text, analyzer=plain_analyzer)
    layered = detect(text, analyzer=analyzer)
    assert not any(is_implied(s.label) for s in plain)
    implied = [s for s in layered if is_implied(s.label)]
    assert [(s.label, text[s.start:s.end]) for s in implied] == [
        ("QUASI_OCCUPATION", "I am the only paediatric nurse at the Leeds General clinic")]
    # the detections inside the phrase are still there, on their own
    assert [s for s in layered if not is_implied(s.label)] == plain


def test_held_out_tickets_written_blind_to_the_patterns() -> None:
    """heldout.txt was written by another author from the guideline alone. Its even-numbered
    tickets were used to widen the clause pass (dev); the odd-numbered ones were not looked
    at (test). The bars sit just under the figures measured after two rounds of widening on
    other hand-written sets (test: recall 0.594, precision 0.940; dev: 0.977, 0.989), so a
    change that loses ground on text nobody tuned for fails here."""
    docs = read_markup((FIXTURES / "heldout.txt").read_text(encoding="utf-8").splitlines())
    assert len(docs) == 150
    dev_recall, dev_precision = _scores(docs[0::2])
    test_recall, test_precision = _scores(docs[1::2])
    assert dev_recall >= 0.95 and dev_precision >= 0.95
    assert test_recall >= 0.57 and test_precision >= 0.9
