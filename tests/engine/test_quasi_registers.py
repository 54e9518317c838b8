"""Implied identifiers in the registers issue 16 added (insurance, HR, health, bank chats,
school, housing, social care, immigration, police and tribunal statements, benefit
applications): the register pass (engine.quasi_registers) and the widened clause and grammar
passes. Sentences are written here, not taken from the fixtures; the floors are on the
hand-written development set registers.txt (fresh2.txt is a check set: no floor is tuned on it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from anonymizer.engine.quasi import find_quasi
from tests.engine.quasi_helpers import covered, found, implied_figures

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"



@pytest.mark.parametrize(("text", "phrase", "label"), [
    # a job word, or a word ending as job words do, with a place, a team or a who-clause
    ("The insured is a self-employed electrician based in Truro and the van was his only means "
     "of work.", "electrician based in Truro", "QUASI_OCCUPATION"),
    ("I'm the only Polish-speaking support worker at the Wigan office.",
     "the only Polish-speaking support worker at the Wigan office", "QUASI_OCCUPATION"),
    ("The applicant is a well-known human rights activist in Baku.", "activist in Baku",
     "QUASI_OCCUPATION"),
    ("He is a retired bus driver who lives on his own in Hull.", "bus driver who lives",
     "QUASI_OCCUPATION"),
    ("Hi, I'm a district nurse covering the villages around Ludlow so I'm on the road all day.",
     "district nurse covering the villages around Ludlow", "QUASI_OCCUPATION"),
    ("I used to work for your company in the Glasgow call centre.", "in the Glasgow",
     "QUASI_OCCUPATION"),
    ("I'm in the third year of a PhD at Bangor.", "in the third year of a PhD at Bangor",
     "QUASI_OCCUPATION"),
    # dealings counted, and dealings that lasted
    ("The pupil has been excluded from school twice this term.", "excluded from school",
     "QUASI_HISTORY"),
    ("Patient has had three falls at home since Christmas.", "three falls", "QUASI_HISTORY"),
    ("I have had four claims refused by you in two years.", "four claims", "QUASI_HISTORY"),
    ("This is the third time my account has been frozen this year.",
     "the third time my account has been frozen this year", "QUASI_HISTORY"),
    ("I've phoned every day this week and nobody answers.", "phoned every day this week",
     "QUASI_HISTORY"),
    ("Tenant reports that she has lived at the property since 2009 and has never missed a rent "
     "payment.", "she has lived at the property since 2009", "QUASI_HISTORY"),
    ("I've been a season ticket holder at the club since 1988.", "since 1988", "QUASI_HISTORY"),
    ("Been with you lot since 2002 and this is how you treat me?", "Been with you lot since 2002",
     "QUASI_HISTORY"),
    ("Client states she has been homeless since her relationship broke down in August.",
     "has been homeless since", "QUASI_HISTORY"),
    # what an institution did to the person outside a court
    ("The employee was issued with a formal written warning on 3 May.",
     "issued with a formal written warning", "QUASI_HISTORY"),
    ("She was taken into care at the age of nine.", "taken into care", "QUASI_HISTORY"),
    ("My ex-husband has a restraining order against him.", "has a restraining order",
     "QUASI_HISTORY"),
    # health: an injury to a part of the body, leave, a named subject, "as a"
    ("She fractured her ankle on the broken step outside the block.", "fractured her ankle",
     "QUASI_CONDITION"),
    ("The claimant was on maternity leave when the restructure was announced.",
     "on maternity leave", "QUASI_CONDITION"),
    ("Service user is diabetic and needs insulin twice a day.", "Service user is diabetic",
     "QUASI_CONDITION"),
    ("Mr Osei is registered partially sighted and needs large print.",
     "registered partially sighted", "QUASI_CONDITION"),
    ("As a wheelchair user I need step-free access to the flat.", "As a wheelchair user",
     "QUASI_CONDITION"),
    ("I'm dyslexic, please keep the letters short.", "I'm dyslexic", "QUASI_CONDITION"),
    # a move with a place and a date; an origin with a person noun
    ("Mr Ahmed fled Khartoum in 2019 after his shop was looted.", "fled Khartoum in 2019",
     "QUASI_EVENT"),
    ("The appellant is a Sikh man from the Punjab who fears return.", "a Sikh man from the Punjab",
     "QUASI_ORIGIN"),
    # relatives: a contracted age, a count with an age, another person's vehicle
    ("my brother's 17 and just passed his test, can he go on my policy", "my brother's 17",
     "QUASI_FAMILY"),
    ("im a single dad with 2 kids under 5 and the delivery slot is useless for me",
     "single dad with 2 kids under 5", "QUASI_FAMILY"),
    ("My sister's silver Nissan Leaf was clamped outside the surgery.",
     "My sister's silver Nissan Leaf", "QUASI_VEHICLE"),
])
def test_register_phrases_are_found(text: str, phrase: str, label: str) -> None:
    assert label in covered(text, phrase), found(text)


def test_an_event_before_its_person_ends_where_the_person_begins() -> None:
    text = "After the burglary last month I had all the locks changed."
    assert found(text) == [("QUASI_EVENT", "the burglary last month")]


@pytest.mark.parametrize("text", [
    # rules, procedure and the organisation's own voice
    "The policy excludes damage caused by wear and tear.",
    "All tenants must keep communal areas clear of bikes.",
    "Staff should report injuries at work to their line manager.",
    "Employees who have been with us for two years get extra leave.",
    "Injuries such as broken wrists are common in icy weather.",
    "The charity supports refugees from Syria and Afghanistan.",
    "The company has been trading since 1998 and employs 40 staff.",
    "Our engineers have visited over 200 homes this month.",
    # a question or a condition asks about someone and says nothing about them
    "The form asks whether the applicant has ever been convicted of an offence.",
    "If you have been a customer for five years you get a discount.",
    # counts and spells of time about things, or too common to single anyone out
    "I tried to pay three times but the card was declined.",
    "I have tried to log in three times today and it keeps failing.",
    "I ordered three items and only two arrived.",
    "I have been waiting for the refund for two weeks.",
    "I was on hold for forty minutes.",
    "This is the second time the website has crashed this week.",
    "Please escalate: the router has been replaced three times since March.",
    # words of the classes the pass reads, used about things
    "It was a letter from the council about the bin collection.",
    "Tesco has a cancer charity partnership this year.",
    "I received a warning message on the app about my password.",
    "We have received your claim and will respond within 10 days.",
    "The cashier at the Oldham branch was rude.",
    "Patient was seen in clinic today; no change to medication.",
])
def test_generic_text_in_these_registers_is_not_taken(text: str) -> None:
    assert found(text) == []



def test_floor_on_the_registers_development_set() -> None:
    # written before the register pass, measured at recall 0.560 / precision 1.000, then tuned on
    recall, precision, n = implied_figures("registers.txt")
    assert n >= 70
    assert recall >= 0.96 and precision >= 0.97, (recall, precision)


def test_no_more_implied_spans_on_the_tickets_without_implied_gold() -> None:
    # tests/fixtures/tickets.jsonl has no implied gold; before issue 16 the detector emitted 68
    # QUASI_* spans there (all "I am N years old"); the register pass must add none
    rows = [json.loads(line) for line in
            (FIXTURES / "tickets.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    spans = [(r["text"], q) for r in rows for q in find_quasi(r["text"])]
    assert len(spans) <= 68
    assert all(q.label == "QUASI_AGE" for _, q in spans), [
        (q.label, t[q.start:q.end]) for t, q in spans if q.label != "QUASI_AGE"]
