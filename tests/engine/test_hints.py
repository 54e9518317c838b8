"""Review hints are not detections (issue 13 §2): the label API, the engine's file output,
evaluation, merging, and the rules that confirm a hint."""

from __future__ import annotations

import json

import pytest

from anonymizer.engine.analyzer import Analyzer, detect
from anonymizer.engine.evaluation import GoldDoc, evaluate
from anonymizer.engine.hints import confirm_hints
from anonymizer.engine.jsonl import output_line
from anonymizer.engine.labels import HINT_CATEGORY, LABELS, info, is_hint, without_hints
from anonymizer.engine.merge import merge_spans
from anonymizer.engine.types import Span, SpanCandidate


def cand(start: int, end: int, label: str, score: float = 0.8,
         recognizer: str = "veil_rules") -> SpanCandidate:
    return SpanCandidate(start, end, label, score, recognizer)


@pytest.mark.parametrize(("label", "hint"), [
    ("PROPER_NOUN", True), ("PERSON", False), ("SIGNATURE_LINE", False),
    ("EMPLOYEE_ID", False), ("ID", False),
])
def test_is_hint(label: str, hint: bool) -> None:
    assert is_hint(label) is hint
    assert (info(label).category == HINT_CATEGORY) is hint


def test_only_proper_nouns_are_hints() -> None:
    assert [label for label in LABELS if is_hint(label)] == ["PROPER_NOUN"]


def test_without_hints_keeps_order_and_detections() -> None:
    spans = [cand(0, 3, "PERSON"), cand(5, 9, "PROPER_NOUN", 0.3), cand(10, 12, "AGE")]
    assert without_hints(spans) == [spans[0], spans[2]]


def test_detect_keeps_hints_but_file_output_leaves_them_out(analyzer: Analyzer) -> None:
    text = "my Zenbook keeps crashing after the update"
    spans = detect(text, analyzer=analyzer)
    assert any(is_hint(s.label) for s in spans)
    line = json.loads(output_line("1", spans))
    assert all(not is_hint(s["label"]) for s in line["spans"])
    assert len(line["spans"]) == len(without_hints(spans))


def test_evaluation_does_not_count_hints_as_predictions() -> None:
    doc = GoldDoc("1", "Ann met Bob", (Span(0, 3, "PERSON"),))
    report = evaluate([doc], [[cand(0, 3, "PERSON"), cand(8, 11, "PROPER_NOUN", 0.3)]])
    assert "PROPER_NOUN" not in report.per_entity
    assert report.char_precision == 1.0
    assert report.leak_rate == 0.0


def test_a_hint_never_widens_or_retypes_a_detection() -> None:
    person = cand(4, 9, "PERSON", 0.6)
    hint = cand(0, 9, "PROPER_NOUN", 0.3)
    assert merge_spans([person, hint]) == [person]


def test_an_organisation_holding_a_place_wins_over_it() -> None:
    org = cand(0, 34, "ORGANIZATION", 0.7, "veil_orgs")
    place = cand(28, 34, "LOCATION", 0.65, "veil_places")
    assert merge_spans([org, place]) == [org]


def test_a_place_as_long_as_a_model_organisation_stays_a_place() -> None:
    org = cand(0, 6, "ORGANIZATION", 0.34, "presidio_spacy")
    place = cand(0, 6, "LOCATION", 0.65, "veil_places")
    assert [s.label for s in merge_spans([org, place])] == ["LOCATION"]


@pytest.mark.parametrize(("text", "spans", "expected"), [
    # a hint right after a person's name becomes part of it
    ("Ms Ilse Vantongerloo called", [cand(3, 7, "PERSON"), cand(8, 20, "PROPER_NOUN", 0.3)],
     [(3, 20, "PERSON")]),
    # listed beside a detected organisation
    ("Acme Ltd and Zorblatt are partners",
     [cand(0, 8, "ORGANIZATION"), cand(13, 21, "PROPER_NOUN", 0.3)],
     [(0, 8, "ORGANIZATION"), (13, 21, "ORGANIZATION")]),
    # after a word that introduces a place
    ("we stayed near Qorvana", [cand(15, 22, "PROPER_NOUN", 0.3)], [(15, 22, "LOCATION")]),
    # after "call me"
    ("people call me Zsazsa", [cand(15, 21, "PROPER_NOUN", 0.3)], [(15, 21, "PERSON")]),
    # a line that is only a name
    ("Thanks\n> Odalys Vrtačnik\n", [cand(9, 15, "PROPER_NOUN", 0.3),
                                    cand(16, 24, "PROPER_NOUN", 0.3)], [(9, 24, "PERSON")]),
    # no evidence: it stays a hint
    ("the Qorvana plugin broke", [cand(4, 11, "PROPER_NOUN", 0.3)], [(4, 11, "PROPER_NOUN")]),
])
def test_rules_that_confirm_a_hint(
    text: str, spans: list[SpanCandidate], expected: list[tuple[int, int, str]]
) -> None:
    confirmed = confirm_hints(text, spans)
    assert [(s.start, s.end, s.label) for s in confirmed] == expected
    assert all(s.score <= 0.5 for s in confirmed if s not in spans)
