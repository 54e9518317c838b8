"""Recall where it leaked (issue 13 §1): tables of (text, expected spans as (substring, label))
through the whole engine, and what must not be found."""

from __future__ import annotations

import pytest

from anonymizer.engine.analyzer import Analyzer, detect
from anonymizer.engine.labels import is_implied, without_hints

Expected = list[tuple[str, str]]


def found(analyzer: Analyzer, text: str) -> set[tuple[str, str]]:
    """The detections (hints left out) as (substring, label)."""
    return {(text[s.start:s.end], s.label) for s in without_hints(detect(text, analyzer=analyzer))}


IDENTITY_DOCUMENTS: list[tuple[str, Expected]] = [
    ("Her passport no. is K4471902, issued in 2019.", [("K4471902", "PASSPORT")]),
    ("my driving licence is SMITH712094JJ9AB", [("SMITH712094JJ9AB", "DRIVER_LICENSE")]),
    ("national ID card: FR-88310442 attached", [("FR-88310442", "NATIONAL_ID")]),
    ("his identity number 8801015009087 was checked", [("8801015009087", "NATIONAL_ID")]),
    ("tax ID 47 118 902 334 for the refund", [("47 118 902 334", "TAX_ID")]),
    ("the NIF B7734521 of the company", [("B7734521", "TAX_ID")]),
    ("He lodged application no. 40317/07 with the Court", [("40317/07", "CASE_NUMBER")]),
    ("complaint no. 2291/15 was declared inadmissible", [("2291/15", "CASE_NUMBER")]),
    # the rule set's own "case" identifier type wins over the generic case number
    ("in case no. 2291/15 the judge ruled", [("2291/15", "TICKET_ID")]),
    ("social insurance number 046 454 286 is on file", [("046 454 286", "NATIONAL_ID")]),
]
DATES_AND_AGES: list[tuple[str, Expected]] = [
    ("She was arrested on 3 October 2004 at home.", [("3 October 2004", "DATE_TIME")]),
    ("The hearing took place on the 9th of May 1987.", [("9th of May 1987", "DATE_TIME")]),
    ("he left the company in June 2011", [("June 2011", "DATE_TIME")]),
    ("They met in the autumn of 1999 in a bar.", [("autumn of 1999", "DATE_TIME")]),
    ("She has lived there since 1983.", [("1983", "DATE_TIME")]),
    ("I am a 47-year-old teacher", [("47", "AGE")]),
    ("at the age of 63 he retired", [("63", "AGE")]),
]
PLACES: list[tuple[str, Expected]] = [
    ("My sister moved from Wrocław to Tampere last year.",
     [("Wrocław", "LOCATION"), ("Tampere", "LOCATION")]),
    ("The parcel is stuck somewhere near Zaragoza.", [("Zaragoza", "LOCATION")]),
    ("we drove through Bavaria to Austria", [("Bavaria", "LOCATION"), ("Austria", "LOCATION")]),
    ("He was born in Krakow, Poland.", [("Krakow, Poland", "LOCATION")]),
    ("SHIP TO: OSLO, NORWAY", [("NORWAY", "LOCATION")]),
]
ORGANISATIONS: list[tuple[str, Expected]] = [
    ("She complained to the Ministry of the Interior of Lithuania twice.",
     [("Ministry of the Interior of Lithuania", "ORGANIZATION")]),
    ("He was treated at St Luke's Hospital for a week.", [("St Luke's Hospital", "ORGANIZATION")]),
    ("The case went to Bristol Crown Court in March.", [("Bristol Crown Court", "ORGANIZATION")]),
    ("my daughter goes to Hillcrest Primary School",
     [("Hillcrest Primary School", "ORGANIZATION")]),
    ("She studied at the University of Tartu.", [("University of Tartu", "ORGANIZATION")]),
    ("I bank with the Bank of Valletta.", [("Bank of Valletta", "ORGANIZATION")]),
    ("he works at Greenway Pharmacy on weekends", [("Greenway Pharmacy", "ORGANIZATION")]),
]
BOUNDS: list[tuple[str, Expected]] = [
    ("reach me at lucy.o'connor@gmail.com please", [("lucy.o'connor@gmail.com", "EMAIL_ADDRESS")]),
    ("mail to ann-marie.d'souza@example.org now", [("ann-marie.d'souza@example.org",
                                                     "EMAIL_ADDRESS")]),
    ("Where is order #3791163? It never came.", [("3791163", "ORDER_ID")]),
    ("Deliver to 16 Victoria Terrace. Order 48213377 is late.",
     [("16 Victoria Terrace", "STREET_ADDRESS"), ("Order 48213377", "ORDER_ID")]),
    ("I spoke with Dean Roberts yesterday.", [("Dean Roberts", "PERSON")]),
    ("Please ask Mark Jenkins about it.", [("Mark Jenkins", "PERSON")]),
    # lower case after a cue that can only introduce a name, known name or not
    ("hi, my name is qorwyn and my parcel is lost", [("qorwyn", "PERSON")]),
    ("everyone calls me tazzo vrell", [("tazzo vrell", "PERSON")]),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    IDENTITY_DOCUMENTS + DATES_AND_AGES + PLACES + ORGANISATIONS + BOUNDS,
    ids=[t for t, _ in IDENTITY_DOCUMENTS + DATES_AND_AGES + PLACES + ORGANISATIONS + BOUNDS],
)
def test_it_finds(analyzer: Analyzer, text: str, expected: Expected) -> None:
    """Each expected part is one detection of its type, whole (or inside a larger one of the
    same type, where noted in the table's ids by the parts themselves)."""
    # implied-identifier phrases are a layer over the detections (engine.quasi): not here
    spans = [s for s in without_hints(detect(text, analyzer=analyzer)) if not is_implied(s.label)]
    for part, label in expected:
        start = text.index(part)
        end = start + len(part)
        assert [s for s in spans if s.label == label and s.start <= start and s.end >= end], (
            part, label, found(analyzer, text))
        assert not [s for s in spans if s.start < end and start < s.end
                    and not (s.start <= start and s.end >= end)], (part, found(analyzer, text))


NOT_FOUND: list[tuple[str, str, str]] = [
    # (text, part, label that must not cover it)
    ("The hearing was on 12 March 1996 in the morning.", "12 March 1996", "STREET_ADDRESS"),
    ("Where is order #3791163? It never came.", "3791163", "PHONE_NUMBER"),
    ("Reach me at lucy.o'connor@gmail.com please", "lucy", "PERSON"),
    ("Windows keeps crashing after the update.", "Windows", "PERSON"),
    ("Username: jsmith88 does not work", "Username", "PERSON"),
    ("Basic plan renewal failed twice.", "Basic", "PERSON"),
    ("Initiated a refund. Verified the card. Database migration done.", "Initiated",
     "ORGANIZATION"),
    ("Initiated a refund. Verified the card. Database migration done.", "Verified",
     "ORGANIZATION"),
    ("Initiated a refund. Verified the card. Database migration done.", "Database",
     "ORGANIZATION"),
    ("Please reset my login credentials today.", "credentials", "USERNAME"),
    ("The user lost the prescription again.", "prescription", "USERNAME"),
    ("My login is such a pain.", "such", "USERNAME"),
    ("In the spring of 2001 she moved to Kraków, Poland.", "Kraków", "PERSON"),
]


@pytest.mark.parametrize(("text", "part", "label"), NOT_FOUND,
                         ids=[f"{p}-{lab}" for _, p, lab in NOT_FOUND])
def test_it_does_not_flag(analyzer: Analyzer, text: str, part: str, label: str) -> None:
    start = text.index(part)
    end = start + len(part)
    assert not [s for s in without_hints(detect(text, analyzer=analyzer))
                if s.label == label and s.start < end and start < s.end]


@pytest.mark.parametrize(("text", "unmerged"), [
    ("Deliver to 16 Victoria Terrace. Order 48213377 is late.", "Terrace. Order"),
    ("Send it to 4 Mill Road. Ticket 5512873 is open.", "Road. Ticket"),
])
def test_a_sentence_end_splits_an_address_from_what_follows(
    analyzer: Analyzer, text: str, unmerged: str
) -> None:
    start = text.index(unmerged)
    assert not [s for s in detect(text, analyzer=analyzer)
                if s.start <= start and s.end >= start + len(unmerged)]
