"""Support tickets with implied identifiers marked, for measuring `quasi.find_quasi`.

Written to docs/quasi_identifiers.md (the annotation guideline): a QUASI_* span covers the whole
phrase that singles the person out ("my daughter, who is 7"); direct identifiers (names, emails,
phones, order numbers) are marked on their own, also where they sit inside a quasi phrase;
places and dates outside a quasi phrase are marked LOCATION / DATE_TIME.

The phrase pools were written from the guideline, not from the recognizer's patterns, and some
phrasings on purpose fall outside them ("at my age (82)", "since my lupus diagnosis"), so that
recall measured here is not recall by construction. Tickets come from `generate(n, seed)`;
tests/fixtures/quasi/hand.txt holds tickets written by hand in the same markup
(`parse_markup`).

Markup: `[[LABEL|text]]`, nestable one level (`[[QUASI_OCCUPATION|nurse at
[[LOCATION|Leeds]] General]]`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from typing import Any

Span = dict[str, Any]

_FIRST = ("Amira", "Tom", "Priya", "Gareth", "Sofia", "Kwame", "Hannah", "Luis", "Mei", "Declan",
          "Fatima", "Olek", "Rosa", "Ibrahim", "Niamh", "Jonas", "Leila", "Craig", "Yuki", "Bea")
_LAST = ("Okafor", "Brennan", "Patel", "Lloyd", "Rossi", "Mensah", "Fischer", "Moreno", "Chen",
         "Walsh", "Haddad", "Nowak", "Silva", "Karim", "Doyle", "Berg", "Amini", "Fraser",
         "Tanaka", "Murphy")
_CITIES = ("Leeds", "Carlisle", "Bristol", "Truro", "Inverness", "Swansea", "Norwich", "Derry",
           "Hexham", "Dundee", "Bangor", "Whitby", "Oban", "Ely", "Ludlow", "Penrith")
_JOBS = ("paediatric nurse", "midwife", "head teacher", "paramedic", "pharmacist", "vet",
         "firefighter", "train driver", "solicitor", "practice manager", "dentist", "imam",
         "vicar", "baker", "care worker", "school librarian", "police sergeant", "surgeon")
_FACILITIES = ("clinic", "surgery", "primary school", "fire station", "depot", "branch",
               "library", "hospital", "mosque", "bakery")
_MAKES = (("Toyota", "Corolla"), ("Ford", "Transit"), ("Vauxhall", "Corsa"), ("Tesla", "Model 3"),
          ("Volvo", "XC90"), ("Mini", "Cooper"), ("Nissan", "Leaf"), ("Skoda", "Octavia"),
          ("Land Rover", "Defender"), ("Honda", "Jazz"))
_COLOURS = ("red", "silver", "dark green", "white", "bright yellow", "navy", "black", "purple")
_DEVICES = ("iPhone 13", "Samsung Galaxy S22", "iPad", "Kindle", "Pixel 7", "MacBook Air",
            "Apple Watch")
_CONDITIONS = ("cystic fibrosis", "multiple sclerosis", "Crohn's disease", "epilepsy",
               "Ehlers-Danlos syndrome", "type 1 diabetes", "lupus", "narcolepsy",
               "sickle cell disease", "Parkinson's")
_MONTHS = ("January", "February", "March", "April", "June", "July", "September", "October",
           "November", "December")
_RELATIVES = ("daughter", "son", "granddaughter", "stepson", "niece", "little brother")
_ORDINALS = ("third", "fourth", "fifth", "6th", "seventh")

# Quasi phrase templates per type. {x} are filled; a {CITY} inside is also marked LOCATION.
_QUASI: dict[str, tuple[str, ...]] = {
    "QUASI_FAMILY": (
        "my {rel}, who is {age_child}",
        "my {age_child}-year-old {rel}",
        "our twins, aged {age_child}",
        "my {rel} (aged {age_child})",
        "my husband, who works at the {CITY} {facility}",
        "my elderly mother, who lives alone in {CITY}",
        "my wife, a {job} in {CITY}",
        "my youngest, who has just turned {age_child}",
        "my {rel} who attends the {CITY} {facility}",
    ),
    "QUASI_OCCUPATION": (
        "I am the only {job} at the {CITY} {facility}",
        "I work as a {job} in {CITY}",
        "I'm the {job} at the {CITY} {facility}",
        "my partner is a {job} at the {CITY} {facility}",
        "being the only female {job} in the {CITY} office",
        "I am a {job} at {CITY} {facility}",
        "as the head {job} of the {CITY} {facility}",
    ),
    "QUASI_AGE": (
        "I'm {age_adult} and live in {CITY}",
        "a {age_adult}-year-old from {CITY}",
        "born in {year_birth} in {CITY}",
        "at my age ({age_adult})",
        "I turned {age_adult} last week",
        "I am {age_adult} years old",
    ),
    "QUASI_VEHICLE": (
        "my {colour} {year_car} {make} {model}",
        "our {colour} {make} {model} with a roof box",
        "my {year_car} {make} {model}",
        "the {colour} {make} {model} camper van parked outside",
    ),
    "QUASI_DEVICE": (
        "my {device} with the cracked screen",
        "my {device} engraved with my initials",
        "my hearing aid",
        "my mum's insulin pump",
        "my {device} in the glitter case",
    ),
    "QUASI_CONDITION": (
        "I was diagnosed with {condition} in {year_recent}",
        "I live with {condition}",
        "since my {condition} diagnosis",
        "I am registered blind",
        "my {rel} has {condition}",
        "I'm undergoing chemotherapy",
        "I had a kidney transplant",
    ),
    "QUASI_EVENT": (
        "after the fire at our house last {month}",
        "I won the lottery in {year_recent}",
        "since the car crash on the A66",
        "I was in the local paper last week",
        "we had triplets in {month}",
        "my shop was flooded during the storm in {month}",
        "I was involved in the train crash in {year_recent}",
    ),
    "QUASI_HISTORY": (
        "I have called {times} times since {month}",
        "this is my {ordinal} complaint this year",
        "a customer since {year_old}",
        "I was made redundant in {month}",
        "my previous claim in {year_recent} was refused",
        "I've chased this {times} times",
    ),
}

_OPENERS = (
    "Hello, my name is {NAME}.",
    "Hi team, {NAME} here.",
    "Dear support,",
    "To whom it may concern,",
    "Hi,",
)
_BODIES = (
    "My order {ORDER} never arrived and {Q1}.",
    "I can't log in to the app and {Q1}. Please help.",
    "The refund for order {ORDER} is still missing; {Q1}, and {Q2}.",
    "{Q1_cap}, so I need the delivery on a weekday. The parcel for {ORDER} went to the wrong door.",
    "Your engineer missed the visit again. {Q1_cap}. Also, {Q2}.",
    "I'm writing about my account. {Q1_cap} and the app keeps crashing.",
    "Nothing works since the update. {Q1_cap}.",
    "The invoice is wrong. {Q1_cap}, and frankly {Q2}.",
)
_CLOSERS = (
    "You can reach me on {PHONE}.",
    "Email me at {EMAIL}.",
    "Thanks, {NAME}",
    "Regards, {NAME} ({EMAIL})",
    "Please call {PHONE} after 5pm.",
    "",
)


def _fill(template: str, rng: random.Random) -> str:
    """The template with its value slots filled; {CITY} becomes a marked LOCATION."""
    make, model = rng.choice(_MAKES)
    values = {
        "rel": rng.choice(_RELATIVES), "age_child": str(rng.randint(3, 15)),
        "age_adult": str(rng.randint(60, 94)), "year_birth": str(rng.randint(1931, 1962)),
        "job": rng.choice(_JOBS), "facility": rng.choice(_FACILITIES),
        "colour": rng.choice(_COLOURS), "year_car": str(rng.randint(2004, 2021)),
        "make": make, "model": model, "device": rng.choice(_DEVICES),
        "condition": rng.choice(_CONDITIONS), "year_recent": str(rng.randint(2015, 2025)),
        "month": rng.choice(_MONTHS), "times": str(rng.randint(4, 19)),
        "ordinal": rng.choice(_ORDINALS), "year_old": str(rng.randint(1985, 2005)),
    }
    text = template
    while "{CITY}" in text:
        text = text.replace("{CITY}", f"[[LOCATION|{rng.choice(_CITIES)}]]", 1)
    return text.format(**values)


def _direct(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(_FIRST), rng.choice(_LAST)
    return {
        "NAME": f"[[PERSON|{first} {last}]]",
        "EMAIL": (
            f"[[EMAIL_ADDRESS|{first.lower()}.{last.lower()}{rng.randint(1, 99)}@example.net]]"
        ),
        "PHONE": f"[[PHONE_NUMBER|07{rng.randint(100, 999)} {rng.randint(100000, 999999)}]]",
        "ORDER": f"[[ID|ORD-{rng.randint(100000, 999999)}]]",
    }


def _quasi(rng: random.Random, label: str) -> str:
    return f"[[{label}|{_fill(rng.choice(_QUASI[label]), rng)}]]"


def generate_markup(n: int, seed: int = 0) -> list[str]:
    """`n` tickets in markup, each with one or two quasi phrases of rotating types."""
    rng = random.Random(seed)
    labels = list(_QUASI)
    tickets = []
    for i in range(n):
        direct = _direct(rng)
        q1 = _quasi(rng, labels[i % len(labels)])
        q2 = _quasi(rng, rng.choice(labels))
        body = rng.choice(_BODIES)
        cap = "[[" + q1[2:].split("|", 1)[0] + "|" + _capitalise(q1.split("|", 1)[1])
        parts = [
            rng.choice(_OPENERS).format(**direct),
            body.format(Q1=q1, Q2=q2, Q1_cap=cap, **direct),
            rng.choice(_CLOSERS).format(**direct),
        ]
        tickets.append(" ".join(p for p in parts if p))
    return tickets


def _capitalise(s: str) -> str:
    return s[:1].upper() + s[1:]


_TOKEN = re.compile(r"\[\[([A-Z_]+)\||\]\]")


def parse_markup(markup: str) -> dict[str, Any]:
    """{"text", "spans": [{"start", "end", "label"}]} from `[[LABEL|...]]` markup."""
    out: list[str] = []
    length = 0
    stack: list[tuple[str, int]] = []
    spans: list[Span] = []
    pos = 0
    for m in _TOKEN.finditer(markup):
        chunk = markup[pos:m.start()]
        out.append(chunk)
        length += len(chunk)
        pos = m.end()
        if m.group(1):
            stack.append((m.group(1), length))
        else:
            if not stack:
                raise ValueError("unbalanced ]] in markup")
            label, start = stack.pop()
            spans.append({"start": start, "end": length, "label": label})
    if stack:
        raise ValueError("unclosed [[ in markup")
    out.append(markup[pos:])
    spans.sort(key=lambda s: (s["start"], -s["end"]))
    return {"text": "".join(out), "spans": spans}


def read_markup(lines: Iterable[str]) -> list[dict[str, Any]]:
    """Tickets of a markup file: one per line; blank lines and lines starting with # skipped."""
    docs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip() or line.startswith("#"):
            continue
        try:
            docs.append({"id": f"line-{number}", **parse_markup(line.rstrip("\n"))})
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from None
    return docs


def generate(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """`n` labelled tickets: {"text", "spans"} as the eval corpora are."""
    return [parse_markup(m) for m in generate_markup(n, seed)]
