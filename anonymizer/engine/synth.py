"""Synthetic, labelled support tickets for tests and benchmarks.

`generate_tickets(n, seed)` returns dicts {"id", "text", "spans": [{"start", "end", "label"}]}
with planted PII of many kinds. Deterministic for a seed and fast: Faker is called only to fill
small value pools once per process (`synth_values`); tickets are assembled from templates with
`random.Random`.

Run as a script to write a JSONL fixture:
    python -m anonymizer.engine.synth --n 300 --seed 7 --output tests/fixtures/tickets.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import unicodedata
from collections.abc import Callable
from typing import Any

from anonymizer.engine.synth_values import (
    make_card,
    make_date,
    make_iban,
    make_ip,
    make_mac,
    make_phone,
    make_ssn,
    pools,
    random_digits,
    random_upper_alnum,
)

Piece = tuple[str, str | None]  # (text, label or None)
SlotFn = Callable[[random.Random], list[Piece]]


# --- slots ----------------------------------------------------------------------------------


def _name_parts(rng: random.Random) -> tuple[str, str]:
    p = pools()
    first, last = rng.choice(p.first), rng.choice(p.last)
    if rng.random() < 0.12:
        first, last = first.lower(), last.lower()
    return first, last


def _full_name(rng: random.Random) -> list[Piece]:
    first, last = _name_parts(rng)
    return [(f"{first} {last}", "PERSON")]


def _first_name(rng: random.Random) -> list[Piece]:
    return [(_name_parts(rng)[0], "PERSON")]


def _email(rng: random.Random) -> list[Piece]:
    first, last = _name_parts(rng)
    local = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randint(1, 99)}",
                        f"{last}_{first}"]).lower()
    local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode() or "user"
    return [(f"{local}@{rng.choice(pools().domains)}", "EMAIL_ADDRESS")]


def _address(rng: random.Random) -> list[Piece]:
    a = rng.choice(pools().addresses)
    sep = ", " if rng.random() < 0.8 else "\n"
    if a.style in ("us", "ca", "au"):
        return [(a.street, "STREET_ADDRESS"), (sep, None), (a.city, "LOCATION"), (", ", None),
                (a.region, "LOCATION"), (" ", None), (a.postcode, "POSTCODE")]
    if a.style == "uk":
        return [(a.street, "STREET_ADDRESS"), (sep, None), (a.city, "LOCATION"), (sep, None),
                (a.postcode, "POSTCODE")]
    return [(a.street, "STREET_ADDRESS"), (sep, None), (a.postcode, "POSTCODE"), (" ", None),
            (a.city, "LOCATION")]


def _city(rng: random.Random) -> list[Piece]:
    return [(rng.choice(pools().addresses).city, "LOCATION")]


def _prefixed(prefixes: tuple[str, ...], digits: tuple[int, int], label: str) -> SlotFn:
    def make(rng: random.Random) -> list[Piece]:
        sep = rng.choice(["-", "-", "", "#"])
        return [(f"{rng.choice(prefixes)}{sep}{random_digits(rng, rng.randint(*digits))}", label)]
    return make


def _bare_number(lo: int, hi: int, label: str) -> SlotFn:
    def make(rng: random.Random) -> list[Piece]:
        first = random_digits(rng, 1).replace("0", "1")
        return [(first + random_digits(rng, rng.randint(lo, hi) - 1), label)]
    return make


def _username(rng: random.Random) -> list[Piece]:
    first, last = _name_parts(rng)
    return [(rng.choice([f"{first}{last[:3]}{rng.randint(1, 999)}",
                         f"{first[0]}_{last}", f"{last}{rng.randint(10, 99)}"]).lower(),
             "USERNAME")]


def _handle(rng: random.Random) -> list[Piece]:
    return [("@" + _username(rng)[0][0], "USERNAME")]


def _url(rng: random.Random) -> list[Piece]:
    path = rng.choice(["", "/account", "/orders/" + random_digits(rng, 6),
                       "/u/" + random_digits(rng, 5)])
    return [(f"https://{rng.choice(['www.', ''])}{rng.choice(pools().domains)}{path}", "URL")]


def _value(fn: Callable[[random.Random], str], label: str) -> SlotFn:
    return lambda rng: [(fn(rng), label)]


PRODUCTS = ("router", "smart speaker", "laptop", "subscription", "headphones", "phone case",
            "coffee machine", "gift card", "monitor", "fitness tracker", "printer", "tablet")


SLOTS: dict[str, SlotFn] = {
    "name": _full_name,
    "first": _first_name,
    "agent": _first_name,
    "email": _email,
    "phone": _value(make_phone, "PHONE_NUMBER"),
    "address": _address,
    "city": _city,
    "order": _prefixed(("ORD", "ORD", "SO"), (6, 8), "ORDER_ID"),
    "order_bare": _bare_number(7, 9, "ORDER_ID"),
    "ticket": _prefixed(("TCK", "TKT", "CASE", "INC"), (5, 7), "TICKET_ID"),
    "invoice": _prefixed(("INV", "INV"), (6, 8), "INVOICE_ID"),
    "account": _prefixed(("ACC", "ACCT"), (6, 10), "ACCOUNT_ID"),
    "account_bare": _bare_number(8, 10, "ACCOUNT_ID"),
    "customer": _prefixed(("CUST", "CID"), (5, 8), "CUSTOMER_ID"),
    "username": _username,
    "handle": _handle,
    "dob": _value(make_date, "DATE_OF_BIRTH"),
    "age": _value(lambda rng: str(rng.randint(18, 90)), "AGE"),
    "card": _value(make_card, "CREDIT_CARD"),
    "iban": _value(make_iban, "IBAN_CODE"),
    "ssn": _value(make_ssn, "US_SSN"),
    "passport": _value(lambda rng: rng.choice(string.ascii_uppercase) + random_digits(rng, 8),
                       "PASSPORT"),
    "licence": _value(lambda rng: rng.choice(string.ascii_uppercase) + random_digits(rng, 7),
                      "DRIVER_LICENSE"),
    "ip": _value(make_ip, "IP_ADDRESS"),
    "mac": _value(make_mac, "MAC_ADDRESS"),
    "url": _url,
    "serial": _value(
        lambda rng: rng.choice(["SN", "C02", "F4K", "R58"]) + random_upper_alnum(rng, 8),
        "DEVICE_SERIAL"),
    "product": lambda rng: [(rng.choice(PRODUCTS), None)],
    "company": lambda rng: [(rng.choice(pools().companies), None)],
    "days": lambda rng: [(str(rng.randint(2, 14)), None)],
    "amount": lambda rng: [(f"{rng.randint(5, 900)}.{rng.randint(0, 99):02d}", None)],
}

OPENERS = (
    "Hi, this is {name}.", "Hello support,", "Hi there,", "Dear team,", "Good morning,",
    "hey, {first} here.", "Hello, my name is {name}.", "Hi {agent},",
)
BODIES = (
    "My order {order} for a {product} still hasn't arrived after {days} days.",
    "I was charged twice on invoice {invoice}, the card ending was wrong.",
    "Please update my shipping address to {address}.",
    "You can reach me on {phone} or at {email}.",
    "My account number is {account_bare} and my customer ID is {customer}.",
    "I paid with card {card} and the refund of {amount} never showed up.",
    "Please send the refund to my IBAN {iban}.",
    "For verification my date of birth is {dob} and my SSN is {ssn}.",
    "I am {age} years old and the app says I'm not eligible.",
    "My username is {username} but I can't log in since the update.",
    "Someone tagged me as {handle} on your forum with my order details.",
    "The router at {ip} keeps dropping, its MAC address is {mac}.",
    "The device serial number is {serial} and it's still under warranty.",
    "I followed the link {url} but it shows an error.",
    "My passport number is {passport}, my driver's license number {licence}.",
    "This is about ticket {ticket}, nobody has answered in {days} days.",
    "I moved to {city} last month, please change the delivery details.",
    "Order number {order_bare} was delivered to {address} by mistake.",
    "Account {account} was locked after I changed my email to {email}.",
    "My wife {name} placed order {order} from our shared account.",
    "I spoke to {agent} yesterday about the {product} and was promised a call back.",
    "Please call {phone} after 5pm, I'm at work at {company} until then.",
    "I reported this on {handle} and got no answer.",
    "The {product} I bought with invoice {invoice} stopped working.",
)
CLOSERS = (
    "Thanks, {name}", "Regards,\n{name}", "Cheers, {first}", "Best,\n{name}\n{phone}",
    "Thank you.", "Kind regards, {name} ({email})", "Sent from my phone",
)

_SLOT = re.compile(r"\{(\w+)\}")


def _compile(template: str) -> tuple[tuple[str, str | None], ...]:
    out: list[tuple[str, str | None]] = []
    pos = 0
    for m in _SLOT.finditer(template):
        if m.start() > pos:
            out.append((template[pos:m.start()], None))
        out.append(("", m.group(1)))
        pos = m.end()
    if pos < len(template):
        out.append((template[pos:], None))
    return tuple(out)


_OPENERS = tuple(_compile(t) for t in OPENERS)
_BODIES = tuple(_compile(t) for t in BODIES)
_CLOSERS = tuple(_compile(t) for t in CLOSERS)


def _render(parts: tuple[tuple[str, str | None], ...], rng: random.Random,
            out: list[Piece]) -> None:
    for literal, slot in parts:
        if slot is None:
            out.append((literal, None))
        else:
            out.extend(SLOTS[slot](rng))


def generate_ticket(rng: random.Random, ticket_id: str, target_chars: int = 400) -> dict[str, Any]:
    pieces: list[Piece] = []
    _render(rng.choice(_OPENERS), rng, pieces)
    length = sum(len(t) for t, _ in pieces)
    while length < target_chars - 60:
        pieces.append((" ", None))
        before = len(pieces)
        _render(rng.choice(_BODIES), rng, pieces)
        length += sum(len(t) for t, _ in pieces[before - 1:])
    pieces.append(("\n" if rng.random() < 0.5 else " ", None))
    _render(rng.choice(_CLOSERS), rng, pieces)
    return _assemble(pieces, ticket_id)


def _assemble(pieces: list[Piece], ticket_id: str) -> dict[str, Any]:
    """{"id", "text", "spans"} from rendered pieces (a value and its label, or None)."""
    text_parts: list[str] = []
    spans: list[dict[str, Any]] = []
    pos = 0
    for value, label in pieces:
        if label is not None and value:
            spans.append({"start": pos, "end": pos + len(value), "label": label})
        text_parts.append(value)
        pos += len(value)
    return {"id": ticket_id, "text": "".join(text_parts), "spans": spans}


def generate_tickets(n: int, seed: int = 0, *, target_chars: int = 400) -> list[dict[str, Any]]:
    """n labelled tickets of about target_chars characters, the same for the same seed."""
    rng = random.Random(seed)
    return [generate_ticket(rng, f"t{seed}-{i}", target_chars) for i in range(n)]


# Sentences that say what a ticket is about, per topic: the label of the privacy-utility
# report's classifier (engine.utility). Several words carry each topic, as in real tickets;
# identifiers sit in them as they would.
TOPIC_BODIES: dict[str, tuple[str, ...]] = {
    "delivery": (
        "My parcel for order {order} never arrived and the tracking page is stuck.",
        "The courier left the {product} outside in the rain at {address}.",
        "Delivery was promised for Tuesday but nothing came, order {order_bare}.",
        "The driver marked it delivered but I have no parcel, please check with the depot.",
        "Can you reschedule the delivery of my {product}? I am away next week.",
    ),
    "billing": (
        "I was charged twice on invoice {invoice} and my bank shows two payments.",
        "The amount on my bill is wrong, I was charged {amount} instead of the offer price.",
        "Please explain the extra fee on my statement for account {account}.",
        "My direct debit went out early and I am now overdrawn.",
        "The invoice {invoice} lists a product I never ordered.",
    ),
    "access": (
        "I can't log in since the update, the password reset email never comes to {email}.",
        "My account {account} is locked after three wrong passwords.",
        "The two-factor code never arrives on {phone}, so I am locked out.",
        "My username {username} is not recognised on the login page.",
        "The app logs me out every time I open the settings.",
    ),
    "fault": (
        "The {product} stopped working after two days and will not switch on.",
        "The screen of my {product} flickers and the battery drains in an hour.",
        "The device serial {serial} makes a loud noise and smells of burning.",
        "The {product} keeps disconnecting from the wifi and crashes.",
        "Half the buttons on the {product} do nothing since I unpacked it.",
    ),
    "cancellation": (
        "Please cancel my subscription and close account {account}.",
        "I want to end my contract, I am moving to {city}.",
        "Cancel order {order} please, I no longer need it.",
        "How do I stop the renewal? I do not want another year.",
        "I would like to terminate the service and get a final bill.",
    ),
}
_TOPIC_BODIES = {t: tuple(_compile(x) for x in v) for t, v in TOPIC_BODIES.items()}


def generate_topic_tickets(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """n labelled tickets with a "topic" (a key of TOPIC_BODIES, in turn): an opener, one or
    two sentences of the topic (and in three tickets of ten one of another topic), one
    sentence of other business, a closer; spans as in generate_tickets."""
    rng = random.Random(seed)
    topics = sorted(_TOPIC_BODIES)
    out = []
    for i in range(n):
        topic = topics[i % len(topics)]
        pieces: list[Piece] = []
        _render(rng.choice(_OPENERS), rng, pieces)
        bodies = rng.sample(_TOPIC_BODIES[topic], rng.randint(1, 2))
        if rng.random() < 0.3:  # tickets stray: a sentence of another topic
            other = rng.choice([t for t in topics if t != topic])
            bodies.insert(rng.randint(0, len(bodies)), rng.choice(_TOPIC_BODIES[other]))
        for body in bodies:
            pieces.append((" ", None))
            _render(body, rng, pieces)
        pieces.append((" ", None))
        _render(rng.choice(_BODIES), rng, pieces)
        pieces.append(("\n", None))
        _render(rng.choice(_CLOSERS), rng, pieces)
        out.append({**_assemble(pieces, f"topic{seed}-{i}"), "topic": topic})
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    with open(args.output, "w", encoding="utf-8") as handle:
        for ticket in generate_tickets(args.n, args.seed):
            handle.write(json.dumps(ticket, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
