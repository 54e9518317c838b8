"""Nationalities, religious and political groups by gazetteer (groups.py): tables of (text,
expected NRP substrings), on their own and through the whole engine."""

from __future__ import annotations

import pytest

from anonymizer.engine.analyzer import Analyzer, detect
from anonymizer.engine.groups import find_groups, terms
from anonymizer.engine.labels import without_hints
from anonymizer.engine.textscan import bounded

FOUND: list[tuple[str, list[str]]] = [
    ("She is Brazilian and works from home.", ["Brazilian"]),
    ("our neighbours are Sikhs", ["Sikhs"]),
    ("a lifelong Republican, his wife a Democrat", ["Republican", "Democrat"]),
    ("two South Africans and a New Zealander", ["South Africans", "New Zealander"]),
    ("the Chinese-American community", ["Chinese-American"]),
    ("MUSLIM and JEWISH families", ["MUSLIM", "JEWISH"]),
    ("Catholics and Protestants alike", ["Catholics", "Protestants"]),
    ("he is Swiss, she is Japanese", ["Swiss", "Japanese"]),
    ("an African-American nurse", ["African-American"]),
    ("Icelandic Tories", ["Icelandic", "Tories"]),
]
NOT_FOUND: list[str] = [
    "We flew American Airlines to Boston",  # the name of something else
    "the Republican Party headquarters",
    "Please reply in English.",  # a language
    "Is there a French version of the manual?",
    "she speaks Spanish at home",
    "a brazilian wax",  # case-sensitive
    "anti-Muslim",  # no word bound before it
    "xAmerican",
    "Indian Ocean",
]


@pytest.mark.parametrize(("text", "expected"), FOUND)
def test_groups_are_found(text: str, expected: list[str]) -> None:
    spans = find_groups(text)
    assert [text[s.start:s.end] for s in spans] == expected
    assert {s.label for s in spans} == {"NRP"}


@pytest.mark.parametrize("text", NOT_FOUND)
def test_other_words_are_not_groups(text: str) -> None:
    assert find_groups(text) == []


@pytest.mark.parametrize(("term", "present"), [
    ("Kenyans", True), ("Catholics", True), ("Jews", True), ("Swisss", False),
    ("Englishs", False), ("Chineses", False), ("Muslim", True), ("Spaniards", True),
])
def test_plurals(term: str, present: bool) -> None:
    assert (term in terms()) is present


@pytest.mark.parametrize(("text", "start", "end", "expected"), [
    ("a Kenyan", 2, 8, True), ("aKenyan", 1, 7, False), ("-Kenyan", 1, 7, False),
    ("Kenyan@x", 0, 6, False), ("Kenyan.", 0, 6, True),
])
def test_bounded(text: str, start: int, end: int, expected: bool) -> None:
    assert bounded(text, start, end) is expected


@pytest.mark.parametrize(("text", "value"), [
    ("The customer said she is Nigerian and needs a refund.", "Nigerian"),
    ("He told me he is a practising Buddhist.", "Buddhist"),
    ("My husband is Vietnamese.", "Vietnamese"),
])
def test_groups_through_the_engine(analyzer: Analyzer, text: str, value: str) -> None:
    spans = without_hints(detect(text, analyzer=analyzer))
    assert (value, "NRP") in {(text[s.start:s.end], s.label) for s in spans}
