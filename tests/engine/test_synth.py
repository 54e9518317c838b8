from __future__ import annotations

import json
from pathlib import Path

from anonymizer.engine import validators
from anonymizer.engine.synth import generate_tickets

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "tickets.jsonl"


def test_deterministic_for_a_seed() -> None:
    assert generate_tickets(20, seed=3) == generate_tickets(20, seed=3)
    assert generate_tickets(20, seed=3) != generate_tickets(20, seed=4)


def test_spans_are_in_bounds_disjoint_and_non_blank() -> None:
    for ticket in generate_tickets(300, seed=11):
        text, last_end = ticket["text"], 0
        for s in ticket["spans"]:
            assert last_end <= s["start"] < s["end"] <= len(text)
            assert text[s["start"]:s["end"]].strip() == text[s["start"]:s["end"]]
            last_end = s["end"]


def test_many_kinds_and_valid_checksums() -> None:
    tickets = generate_tickets(400, seed=5)
    labels = {s["label"] for t in tickets for s in t["spans"]}
    assert labels >= {
        "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "ORDER_ID", "TICKET_ID", "INVOICE_ID",
        "ACCOUNT_ID", "CUSTOMER_ID", "USERNAME", "STREET_ADDRESS", "POSTCODE", "LOCATION",
        "DATE_OF_BIRTH", "AGE", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "PASSPORT",
        "DRIVER_LICENSE", "IP_ADDRESS", "MAC_ADDRESS", "URL", "DEVICE_SERIAL",
    }
    for t in tickets:
        for s in t["spans"]:
            value = t["text"][s["start"]:s["end"]]
            if s["label"] == "CREDIT_CARD":
                assert validators.luhn_ok(value)
            elif s["label"] == "IBAN_CODE":
                assert validators.iban_ok(value)
            elif s["label"] == "US_SSN":
                assert validators.ssn_ok(value)


def test_ticket_length_is_about_400() -> None:
    tickets = generate_tickets(200, seed=1)
    mean = sum(len(t["text"]) for t in tickets) / len(tickets)
    assert 330 <= mean <= 480


def test_fixture_is_the_generator_output() -> None:
    """tests/fixtures/tickets.jsonl: `python -m anonymizer.engine.synth --n 300 --seed 7`."""
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == generate_tickets(300, seed=7)
