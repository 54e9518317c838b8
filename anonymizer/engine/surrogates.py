"""Realistic keyed surrogates: a fake value of the same kind in place of the real one.

Redaction and type tags keep nothing of the text's shape; an AI team training on the export
then learns from "[PERSON] called about [PHONE]". A surrogate keeps the text natural and
internally consistent:

- names become fake names, token by token, so "Jane Smith", "Jane" and "Ms Smith" become
  "Ava Turner", "Ava" and "Ms Turner" (the first name keeps its gender where Faker's lists say);
- email addresses keep the local part's shape (letters for letters, digits for digits, the same
  separators) at a reserved example domain (RFC 2606);
- phone numbers keep their country code, trunk prefix and grouping, with the other digits new;
- card numbers keep their length and network digit with a valid Luhn check digit; IBANs keep
  their country and length with valid mod-97 check digits; other numbers and ids keep their
  shape and any letter prefix ("ORD-");
- places become fake place names; street addresses fake addresses, at the granularity asked
  (``full``: number, street and town; ``street``: number and street; ``town``: a town);
- dates move by a keyed offset per subject (``subject``, e.g. the record's customer id), so the
  intervals between one customer's dates are kept while the dates themselves are not.

Every choice is an HMAC of the value under the linkage domain's key (never a bare seed), so the
same customer gets the same surrogate across records and batches of a domain and nobody
without the key can recompute it. The name and place lists come from Faker's providers
(well-kept data; read, not its random generator, so that choices depend on the key only).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from faker.providers.address.en_GB import Provider as _GBAddress
from faker.providers.person.en_GB import Provider as _GBPerson

from anonymizer.engine.validators import iban_mod97, luhn_sum

GRANULARITIES = ("full", "street", "town")
MAX_DATE_SHIFT_DAYS = 180
EXAMPLE_DOMAINS = ("example.com", "example.org", "example.net")

_FEMALE: tuple[str, ...] = tuple(_GBPerson.first_names_female)
_MALE: tuple[str, ...] = tuple(_GBPerson.first_names_male)
_FIRST: tuple[str, ...] = tuple(sorted({*_FEMALE, *_MALE}))
_LAST: tuple[str, ...] = tuple(_GBPerson.last_names)
_FEMALE_SET = frozenset(n.casefold() for n in _FEMALE)
_MALE_SET = frozenset(n.casefold() for n in _MALE)
_STREET_SUFFIXES: tuple[str, ...] = tuple(_GBAddress.street_suffixes)
_TOWN_SUFFIXES = ("ton", "ford", "bury", "field", "ham", "ley", "wick", "worth", "by", "mouth")
_TITLES = frozenset(t + dot for t in ("mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir",
                                      "dame", "madam", "rev") for dot in ("", "."))
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _digest(key: bytes, *parts: str) -> bytes:
    return hmac.new(key, "\x1f".join(parts).encode(), hashlib.sha256).digest()


def _pick(options: Sequence[str], key: bytes, *parts: str) -> str:
    return options[int.from_bytes(_digest(key, *parts)[:8], "big") % len(options)]


def _pick_other(options: Sequence[str], key: bytes, real: frozenset[str], *parts: str) -> str:
    """`_pick`, but never a word of the real name back (`real`, casefolded): a fake that
    happens to equal one ("James Brown" -> "Anna James") would leave it in the export."""
    for attempt in range(8):
        extra = (str(attempt),) if attempt else ()
        fake = _pick(options, key, *parts, *extra)
        if fake.casefold() not in real:
            return fake
    return next(o for o in options if o.casefold() not in real)


def _stream(key: bytes, *parts: str) -> bytes:
    """Enough keyed bytes to fill any value (a counter-mode expansion of the HMAC)."""
    return b"".join(_digest(key, *parts, str(i)) for i in range(4))


def _norm(value: str) -> str:
    return " ".join(value.split()).casefold()


def _same_shape(value: str, key: bytes, label: str, keep_prefix: bool = True) -> str:
    """Letters for letters (same case), digits for digits, anything else kept; a leading run
    of letters and separators ("ORD-", "INV/") is kept when `keep_prefix`."""
    prefix = ""
    if keep_prefix:
        m = re.match(r"[A-Za-z]{1,5}[-/_# ]+(?=\d)", value)
        if m:
            prefix, value = m.group(), value[m.end():]
    stream = _stream(key, label, _norm(value))
    out = []
    for i, ch in enumerate(value):
        b = stream[i % len(stream)]
        if ch.isdigit():
            out.append(str(b % 10))
        elif ch.isalpha() and ch.isascii():
            letter = _LETTERS[b % 26]
            out.append(letter.upper() if ch.isupper() else letter)
        else:
            out.append(ch)
    return prefix + "".join(out)


def _cased(word: str, like: str) -> str:
    if like.isupper() and len(like) > 1:
        return word.upper()
    if like.islower():
        return word.lower()
    return word


# What follows a name in running text and stays: a possessive ('s, ’s, a bare '), a full stop
# or a comma ("Jones's" -> "Patel's"); not a final s of the name itself ("James", "Ross").
_TAIL = re.compile(r"(?:['’]s?|[.,])+$")


def surrogate_name(value: str, key: bytes) -> str:
    """A fake name for each word of `value`; titles and initials are kept as they are. The
    first word is a first name (of the same gender, where the lists know it) when it is one,
    the last word a surname; a single word is looked up in the first-name lists."""
    words = value.split(" ")
    named = [i for i, w in enumerate(words) if w and w.casefold() not in _TITLES
             and len(w.strip(".")) > 1]
    out = list(words)
    cores = {i: _TAIL.sub("", words[i]) or words[i] for i in named}
    real = frozenset(c.casefold() for c in cores.values())
    for n, i in enumerate(named):
        word, core = words[i], cores[i]
        tail = word[len(core):]
        folded = core.casefold()
        is_first = (n == 0 and len(named) > 1) or (len(named) == 1 and (
            folded in _FEMALE_SET or folded in _MALE_SET) and not _after_title(words, i))
        if is_first:
            pool = _FEMALE if folded in _FEMALE_SET else _MALE if folded in _MALE_SET else _FIRST
            fake = _pick_other(pool, key, real, "first", folded)
        else:
            fake = _pick_other(_LAST, key, real, "last", folded)
        out[i] = _cased(fake, core) + tail
    return " ".join(out)


def _after_title(words: list[str], i: int) -> bool:
    return i > 0 and words[i - 1].casefold() in _TITLES


def surrogate_email(value: str, key: bytes) -> str:
    local, at, domain = value.rpartition("@")
    if not at:
        return _same_shape(value, key, "EMAIL_ADDRESS", keep_prefix=False)
    fake_local = re.sub(r"[A-Za-z]{2,}|\d+", lambda m: _email_part(m.group(), key), local)
    return f"{fake_local}@{_pick(EXAMPLE_DOMAINS, key, 'email-domain', domain.casefold())}"


def _email_part(part: str, key: bytes) -> str:
    """A run of letters of an address's local part becomes the fake name the same word gets
    in `surrogate_name` ("jane.smith84" -> "harriet.warren" and new digits), so that a
    customer's address and name stay consistent; digits get new digits."""
    if part.isdigit():
        return _same_shape(part, key, "EMAIL_ADDRESS", keep_prefix=False)
    folded = part.casefold()
    if folded in _FEMALE_SET or folded in _MALE_SET:
        pool = _FEMALE if folded in _FEMALE_SET else _MALE
        return _pick(pool, key, "first", folded).lower()
    return _pick(_LAST, key, "last", folded).lower()


_COUNTRY = re.compile(r"^\s*(\+|00)")
# ITU country codes of one and two digits; every other code has three.
_TWO_DIGIT_CODES = frozenset({
    20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49, 51, 52, 53, 54, 55,
    56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98,
})


def _country_code_digits(digits: str) -> int:
    if digits[:1] in ("1", "7"):
        return 1
    return 2 if digits[:2].isdigit() and int(digits[:2]) in _TWO_DIGIT_CODES else 3


def surrogate_phone(value: str, key: bytes) -> str:
    """The country code ("+44", "0044") and the trunk digit and first digit after it ("07",
    "01") are kept, so that the number stays of its country and kind; other digits change;
    spaces, brackets and dashes stay where they were."""
    m = _COUNTRY.match(value)
    digits_seen = 0
    # the country code and the first national digit, or the trunk 0 and the digit after it
    national = 2 if value.lstrip("( ").startswith("0") else 1
    if m:
        after = re.sub(r"\D", "", value[m.end():])
        keep_digits = (2 if m.group(1) == "00" else 0) + _country_code_digits(after) + 1
    else:
        keep_digits = national
    stream = _stream(key, "PHONE_NUMBER", re.sub(r"\D", "", value))
    out = []
    for ch in value:
        if ch.isdigit():
            if digits_seen < keep_digits:
                out.append(ch)
            else:
                d = stream[digits_seen % len(stream)] % 10
                if not m and digits_seen == keep_digits and value.lstrip("( ")[:1] not in "0+":
                    d = 2 + d % 8  # a North American area code or exchange never starts 0/1
                out.append(str(d))
            digits_seen += 1
        else:
            out.append(ch)
    return "".join(out)


def _luhn_check_digit(body: str) -> str:
    """The digit that makes `body` + it Luhn-valid (validators.luhn_sum with a 0 appended)."""
    return str((10 - luhn_sum(body + "0") % 10) % 10)


def surrogate_card(value: str, key: bytes) -> str:
    """Same length and separators, the network's first digit kept, a valid Luhn digit last."""
    digits = re.sub(r"\D", "", value)
    if len(digits) < 2:
        return _same_shape(value, key, "CREDIT_CARD", keep_prefix=False)
    stream = _stream(key, "CREDIT_CARD", digits)
    body = digits[0] + "".join(str(stream[i] % 10) for i in range(1, len(digits) - 1))
    new_digits = iter(body + _luhn_check_digit(body))
    return "".join(next(new_digits) if ch.isdigit() else ch for ch in value)


def _iban_check(country: str, bban: str) -> str:
    return f"{98 - iban_mod97(bban + country + '00'):02d}"


def surrogate_iban(value: str, key: bytes) -> str:
    compact = re.sub(r"\s", "", value).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", compact):
        return _same_shape(value, key, "IBAN_CODE", keep_prefix=False)
    country, bban = compact[:2], compact[4:]
    new_bban = _same_shape(bban, key, "IBAN_CODE", keep_prefix=False)
    new = country + _iban_check(country, new_bban) + new_bban
    chars = iter(new)
    return "".join(next(chars) if not ch.isspace() else ch for ch in value)


def surrogate_town(value: str, key: bytes) -> str:
    stem = _pick(_LAST, key, "town", _norm(value))
    return stem + _pick(_TOWN_SUFFIXES, key, "town-suffix", _norm(value))


def surrogate_address(value: str, key: bytes, granularity: str = "full") -> str:
    """A fake address for a street address: number and street, and town at ``full``."""
    if granularity == "town":
        return surrogate_town(value, key)
    number = 1 + int.from_bytes(_digest(key, "house", _norm(value))[:4], "big") % 180
    where = _norm(value)
    street = f"{_pick(_LAST, key, 'street', where)} {_pick(_STREET_SUFFIXES, key, 'suffix', where)}"
    if granularity == "street":
        return f"{number} {street}"
    return f"{number} {street}, {surrogate_town(value, key)}"


def date_shift_days(key: bytes, subject: str) -> int:
    """The subject's keyed offset: between -MAX and +MAX days, never 0."""
    n = int.from_bytes(_digest(key, "date-shift", subject)[:8], "big")
    days = n % MAX_DATE_SHIFT_DAYS + 1
    return days if n >> 63 else -days


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_MONTH_INDEX = {**{m: i + 1 for i, m in enumerate(_MONTHS)},
                **{m[:3]: i + 1 for i, m in enumerate(_MONTHS)}, "sept": 9}
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_SLASHED = re.compile(r"^(\d{1,2})([/.])(\d{1,2})\2(\d{4})$")
_DAY_MONTH = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_MONTH_DAY = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")


def _month_name(month: int, like: str) -> str:
    name = _MONTHS[month - 1]
    if like.casefold() not in _MONTHS:  # written abbreviated ("Sep", "Sept")
        name = name[:3]
    return _cased(name.capitalize(), like)


def surrogate_date(value: str, key: bytes, subject: str, day_first: bool = True) -> str | None:
    """`value` moved by the subject's offset, written as it was; None for what is not a full
    date (the caller then generalizes or tags it)."""
    shift = timedelta(days=date_shift_days(key, subject))
    text = value.strip()
    try:
        if m := _ISO.match(text):
            d = date(int(m[1]), int(m[2]), int(m[3])) + shift
            return d.isoformat()
        if m := _SLASHED.match(text):
            a, sep, b, y = int(m[1]), m[2], int(m[3]), int(m[4])
            day, month = (a, b) if (day_first or sep == ".") else (b, a)
            d = date(y, month, day) + shift
            first, second = (d.day, d.month) if (day_first or sep == ".") else (d.month, d.day)
            width = 2 if len(m[1]) == 2 else 1
            return f"{first:0{width}d}{sep}{second:0{width}d}{sep}{d.year}"
        if (m := _DAY_MONTH.match(text)) and m[2].casefold() in _MONTH_INDEX:
            d = date(int(m[3]), _MONTH_INDEX[m[2].casefold()], int(m[1])) + shift
            return f"{d.day} {_month_name(d.month, m[2])} {d.year}"
        if (m := _MONTH_DAY.match(text)) and m[1].casefold() in _MONTH_INDEX:
            d = date(int(m[3]), _MONTH_INDEX[m[1].casefold()], int(m[2])) + shift
            return f"{_month_name(d.month, m[1])} {d.day}, {d.year}"
    except ValueError:
        return None
    return None


# Types each surrogate function serves (Veil's types; anything else keeps its shape).
_NAME_TYPES = frozenset({"PERSON"})
_PLACE_TYPES = frozenset({"LOCATION"})
_DATE_TYPES = frozenset({"DATE_TIME", "DATE_OF_BIRTH"})
_CARD_TYPES = frozenset({"CREDIT_CARD"})
SURROGATE_TYPES = frozenset({
    "PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE", "STREET_ADDRESS",
    "LOCATION", "DATE_TIME", "DATE_OF_BIRTH", "POSTCODE", "ACCOUNT_ID", "CUSTOMER_ID",
    "ORDER_ID", "INVOICE_ID", "TICKET_ID", "CASE_NUMBER", "US_SSN", "US_BANK_NUMBER",
    "PASSPORT", "DRIVER_LICENSE", "NATIONAL_ID", "TAX_ID", "USERNAME", "ID", "DEVICE_SERIAL",
    "IP_ADDRESS", "MAC_ADDRESS", "UK_NHS",
})


def surrogate(
    value: str, label: str, key: bytes, params: Mapping[str, Any] | None = None,
    subject: str = "",
) -> str | None:
    """A realistic keyed stand-in for `value` of type `label`, or None where there is none
    (dates that are not full dates, free-text types): the caller falls back to its tag."""
    p = params or {}
    if label in _NAME_TYPES:
        return surrogate_name(value, key)
    if label == "EMAIL_ADDRESS":
        return surrogate_email(value, key)
    if label == "PHONE_NUMBER":
        return surrogate_phone(value, key)
    if label in _CARD_TYPES:
        return surrogate_card(value, key)
    if label == "IBAN_CODE":
        return surrogate_iban(value, key)
    if label == "STREET_ADDRESS":
        return surrogate_address(value, key, str(p.get("granularity", "full")))
    if label in _PLACE_TYPES:
        return surrogate_town(value, key)
    if label in _DATE_TYPES:
        return surrogate_date(value, key, subject or "\x00no-subject",
                              day_first=bool(p.get("day_first", True)))
    if label == "UK_NHS":
        return _nhs(value, key)
    if label in SURROGATE_TYPES:
        return _same_shape(value, key, label)
    return None


def _nhs(value: str, key: bytes) -> str:
    """An NHS number of the same layout with a valid mod-11 check digit."""
    digits = re.sub(r"\D", "", value)
    if len(digits) != 10:
        return _same_shape(value, key, "UK_NHS", keep_prefix=False)
    for attempt in range(20):
        stream = _stream(key, "UK_NHS", digits, str(attempt))
        body = "".join(str(stream[i] % 10) for i in range(9))
        check = 11 - sum(int(d) * (10 - i) for i, d in enumerate(body)) % 11
        if check == 11:
            check = 0
        if check != 10:
            new = iter(body + str(check))
            return "".join(next(new) if ch.isdigit() else ch for ch in value)
    return _same_shape(value, key, "UK_NHS", keep_prefix=False)
