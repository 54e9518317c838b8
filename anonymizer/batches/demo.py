"""Synthetic support tickets for the demo batch and the ingest benchmark (Faker, seeded)."""

from __future__ import annotations

import csv
import io
import random
from typing import Any

from faker import Faker

_TEMPLATES = (
    "Hi, this is {name}. My order {order} never arrived at {street}, {city} {postcode}. "
    "Please call me on {phone} or write to {email}. I've been a customer since {year} and "
    "this is the second time a parcel has gone missing this month.",
    "Hello support, I was charged twice on card ending {last4} for invoice {invoice}. "
    "Account {account} belongs to {name}. Can you refund the duplicate payment? My phone is "
    "{phone}. Thanks, {first}",
    "{name} here ({email}). The app keeps logging me out on my {device} since the last update. "
    "Username {username}. I tried reinstalling twice and clearing the cache; nothing helped.",
    "Dear team, ticket {ticket} is still open after two weeks. I moved to {street}, {city} "
    "{postcode} and my address was never updated. Date of birth {dob} for verification. "
    "Regards, {name}",
    "Customer {name} called about a late delivery. Confirmed identity with DOB {dob} and "
    "postcode {postcode}. Promised a callback on {phone} within 24 hours. Order {order}.",
)
_FOLLOW_UPS = (
    "I have already tried the troubleshooting steps from your help centre.",
    "This is really frustrating because I rely on this every day for work.",
    "Could you please escalate this to someone who can actually fix it?",
    "I would appreciate an update by the end of the week.",
    "The chat agent I spoke to yesterday could not find my details.",
    "Please do not close this ticket until the issue is resolved.",
    "Let me know if you need screenshots or any other information.",
    "My neighbour had the same problem last month, so it is not just me.",
)
_PLANS = ("free", "basic", "plus", "pro", "enterprise")
_CATEGORIES = ("delivery", "billing", "login", "address change", "refund", "complaint")


def demo_tickets(n: int, *, seed: int = 7) -> list[dict[str, Any]]:
    """n tickets of about 350-500 characters with structured columns, reproducible by seed."""
    fake = Faker(["en_US", "en_GB"])
    fake.seed_instance(seed)
    rng = random.Random(seed)
    pool = 512
    people = [(fake.first_name(), fake.last_name()) for _ in range(pool)]
    streets = [fake.street_address() for _ in range(pool)]
    cities = [fake.city() for _ in range(pool)]
    postcodes = [fake.postcode() for _ in range(pool)]
    phones = [fake.phone_number() for _ in range(pool)]
    devices = ("iPhone 14", "Pixel 8", "Galaxy S23", "iPad Air", "Windows laptop")
    tickets = []
    for i in range(1, n + 1):
        first, last = rng.choice(people)
        birth = rng.randint(1940, 2006)
        values = {
            "name": f"{first} {last}",
            "first": first,
            "email": f"{first}.{last}{rng.randint(1, 99)}@example.com".lower(),
            "order": f"ORD-{rng.randint(100000, 999999)}",
            "invoice": f"INV-{rng.randint(10000, 99999)}",
            "ticket": f"TCK-{rng.randint(100000, 999999)}",
            "account": f"ACC{rng.randint(10000000, 99999999)}",
            "street": rng.choice(streets),
            "city": rng.choice(cities),
            "postcode": rng.choice(postcodes),
            "phone": rng.choice(phones),
            "year": rng.randint(2010, 2024),
            "last4": f"{rng.randint(0, 9999):04d}",
            "device": rng.choice(devices),
            "username": f"{first.lower()}{rng.randint(1, 999)}",
            "dob": f"{birth}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        }
        tickets.append(
            {
                "ticket_id": f"T{i:07d}",
                "text": " ".join(
                    [rng.choice(_TEMPLATES).format(**values), *rng.sample(_FOLLOW_UPS, 3)]
                ),
                "postcode": values["postcode"],
                "birth_year": str(birth),
                "gender": rng.choice(("female", "male", "other", "unknown")),
                "plan": rng.choice(_PLANS),
                "category": rng.choice(_CATEGORIES),
            }
        )
    return tickets


def tickets_to_csv(tickets: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(tickets[0]))
    writer.writeheader()
    writer.writerows(tickets)
    return out.getvalue().encode("utf-8")
