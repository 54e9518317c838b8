"""Values for synthetic tickets: Faker pools (filled once per process) and makers of
identifiers with valid checksums and realistic formats (cards, IBANs, phones, dates...).

Every maker draws from the `random.Random` it is given, so tickets are the same for a seed.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from faker import Faker

from anonymizer.engine import validators

# --- value pools (Faker, once per process) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Address:
    street: str
    city: str
    region: str  # state / province; may be empty
    postcode: str
    style: str  # us, uk, ca, au, eu


@dataclass(frozen=True, slots=True)
class Pools:
    first: tuple[str, ...]
    last: tuple[str, ...]
    addresses: tuple[Address, ...]
    domains: tuple[str, ...]
    companies: tuple[str, ...]


_ADDRESS_LOCALES = {
    "en_US": "us", "en_GB": "uk", "en_CA": "ca", "en_AU": "au",
    "de_DE": "eu", "fr_FR": "eu", "nl_NL": "eu", "es_ES": "eu",
}
_NAME_LOCALES = ("en_US", "en_GB", "en_IE", "de_DE", "fr_FR", "es_ES", "it_IT", "nl_NL", "pl_PL")
# it_IT is left out of the address locales: its city names depend on the hash seed.
_REGION_ATTR = {"us": "state_abbr", "ca": "province_abbr", "au": "state_abbr"}


@lru_cache(maxsize=1)
def pools() -> Pools:
    first: set[str] = set()
    last: set[str] = set()
    for locale in _NAME_LOCALES:
        fake = Faker(locale)
        fake.seed_instance(1)
        for _ in range(120):
            first.add(fake.first_name())
            last.add(fake.last_name())
    addresses: list[Address] = []
    for locale, style in _ADDRESS_LOCALES.items():
        fake = Faker(locale)
        fake.seed_instance(2)
        for _ in range(60 if style == "eu" else 120):
            street = " ".join(fake.street_address().split())
            if style == "eu" and locale == "fr_FR":
                street = street.replace(",", "")
            region = str(getattr(fake, _REGION_ATTR[style])()) if style in _REGION_ATTR else ""
            addresses.append(
                Address(street, fake.city().strip(), region, fake.postcode().strip(), style)
            )
    fake = Faker("en_US")
    fake.seed_instance(3)
    domains = tuple(sorted({fake.free_email_domain() for _ in range(40)} |
                           {fake.domain_name() for _ in range(60)}))
    companies = tuple(sorted({fake.company() for _ in range(80)}))
    return Pools(
        first=tuple(sorted(n for n in first if n.isalpha())),
        last=tuple(sorted(n for n in last if n.replace("-", "").isalpha())),
        addresses=tuple(addresses),
        domains=domains,
        companies=companies,
    )


# --- value makers ---------------------------------------------------------------------------


def random_digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def luhn_complete(partial: str) -> str:
    """Append the Luhn check digit to a digit string."""
    # The check digit is the one that makes the sum end in 0; a 0 there adds nothing.
    return partial + str((10 - validators.luhn_sum(partial + "0") % 10) % 10)


def make_card(rng: random.Random) -> str:
    prefix, length = rng.choice([("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("37", 15),
                                 ("6011", 16)])
    number = luhn_complete(prefix + random_digits(rng, length - len(prefix) - 1))
    style = rng.random()
    if style < 0.4:
        return number
    sep = " " if style < 0.8 else "-"
    groups = [4, 6, 5] if length == 15 else [4, 4, 4, 4]
    out, i = [], 0
    for g in groups:
        out.append(number[i:i + g])
        i += g
    return sep.join(out)


_IBAN_FORMATS = {"DE": "8n10n", "GB": "4a6n8n", "FR": "5n5n11c2n", "NL": "4a10n", "ES": "20n",
                 "IT": "1a5n5n12c", "BE": "12n", "IE": "4a6n8n"}


def make_iban(rng: random.Random) -> str:
    country = rng.choice(sorted(_IBAN_FORMATS))
    bban = ""
    for count, kind in re.findall(r"(\d+)([anc])", _IBAN_FORMATS[country]):
        alphabet = {"n": string.digits, "a": string.ascii_uppercase,
                    "c": string.digits + string.ascii_uppercase}[kind]
        bban += "".join(rng.choice(alphabet) for _ in range(int(count)))
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    iban = f"{country}{98 - int(numeric) % 97:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return iban


def make_ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def _uk_phone(rng: random.Random) -> str:
    area = rng.choice(["20", "161", "7700", "131"])
    return f"+44 {area} {random_digits(rng, 3)} {random_digits(rng, 4)}"


# One format per kind of number; each draws its digits left to right.
_PHONE_FORMATS: tuple[Callable[[random.Random], str], ...] = (
    lambda rng: f"({random_digits(rng, 3)}) {rng.randint(200, 999)}-{random_digits(rng, 4)}",
    lambda rng: f"+1 {rng.randint(200, 999)}-{rng.randint(200, 999)}-{random_digits(rng, 4)}",
    _uk_phone,
    lambda rng: f"+49 {rng.randint(30, 89)} {random_digits(rng, 7)}",
    lambda rng: f"+61 {rng.randint(2, 4)} {random_digits(rng, 4)} {random_digits(rng, 4)}",
    lambda rng: f"+33 {rng.randint(1, 7)} {' '.join(random_digits(rng, 2) for _ in range(4))}",
    lambda rng: f"{rng.randint(200, 999)}.{rng.randint(200, 999)}.{random_digits(rng, 4)}",
    lambda rng: f"07{random_digits(rng, 3)} {random_digits(rng, 6)}",
)


def make_phone(rng: random.Random) -> str:
    return _PHONE_FORMATS[rng.randrange(len(_PHONE_FORMATS))](rng)


def make_ip(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return ".".join(str(rng.randint(1, 254)) for _ in range(4))
    return ":".join(f"{rng.randint(0, 0xFFFF):x}" for _ in range(8))


def make_mac(rng: random.Random) -> str:
    sep = rng.choice([":", "-"])
    return sep.join(f"{rng.randint(0, 255):02X}" for _ in range(6))


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_DATE_FORMATS: tuple[Callable[[int, int, int], str], ...] = (
    lambda y, m, d: f"{y}-{m:02d}-{d:02d}",
    lambda y, m, d: f"{m:02d}/{d:02d}/{y}",
    lambda y, m, d: f"{d} {_MONTH_NAMES[m - 1]} {y}",
    lambda y, m, d: f"{_MONTH_NAMES[m - 1]} {d}, {y}",
)


def make_date(rng: random.Random) -> str:
    y, m, d = rng.randint(1940, 2008), rng.randint(1, 12), rng.randint(1, 28)
    return _DATE_FORMATS[rng.randrange(len(_DATE_FORMATS))](y, m, d)


def random_upper_alnum(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(n))
