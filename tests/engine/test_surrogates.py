"""Realistic keyed surrogates (anonymizer.engine.surrogates)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.engine.surrogates import (
    EXAMPLE_DOMAINS,
    MAX_DATE_SHIFT_DAYS,
    date_shift_days,
    surrogate,
)
from anonymizer.engine.validators import iban_ok, luhn_ok

KEY = b"linkage-domain-key-for-tests-32b"
OTHER = b"another-domain-key-for-tests-32b"


def test_names_are_consistent_token_by_token() -> None:
    full = surrogate("Jane Smith", "PERSON", KEY)
    first = surrogate("Jane", "PERSON", KEY)
    titled = surrogate("Ms Smith", "PERSON", KEY)
    assert full is not None and first is not None and titled is not None
    fake_first, fake_last = full.split(" ")
    assert first == fake_first and titled == f"Ms {fake_last}"
    assert "Jane" not in full and "Smith" not in full
    assert surrogate("JANE SMITH", "PERSON", KEY) == full.upper()


def test_a_final_s_is_part_of_the_name_a_possessive_is_not() -> None:
    # "James" is a name ending in s, not "Jame" + s (a first name, alone as in a full name);
    # "Jones's" and "Jones'" keep their mark
    assert surrogate("James Ross", "PERSON", KEY) == (
        f"{surrogate('James', 'PERSON', KEY)} {surrogate('Mr Ross', 'PERSON', KEY)[3:]}")
    owner = surrogate("Ann Jones's", "PERSON", KEY)
    plain = surrogate("Ann Jones", "PERSON", KEY)
    assert owner is not None and plain is not None and owner == plain + "'s"
    assert surrogate("Ann Jones’", "PERSON", KEY) == plain + "’"


@settings(max_examples=200, deadline=None)
@given(st.binary(min_size=32, max_size=32))
def test_a_name_never_comes_back_as_itself(key: bytes) -> None:
    # common names are in the fake-name pools, so a bare keyed pick would sometimes return
    # the real word; under any key each word must change
    for value in ("Jane Smith", "James Brown", "Mary Jones", "Emma", "Mr Taylor"):
        fake = surrogate(value, "PERSON", key)
        assert fake is not None
        kept = [w for w in value.split() if w != "Mr"]
        assert not set(kept) & set(fake.split()), (value, fake)


def test_a_domain_key_decides_the_surrogate() -> None:
    assert surrogate("Jane Smith", "PERSON", KEY) == surrogate("Jane Smith", "PERSON", KEY)
    others = {surrogate(v, "PERSON", OTHER) for v in ("Jane Smith", "Ann Jones", "Ravi Shah")}
    mine = {surrogate(v, "PERSON", KEY) for v in ("Jane Smith", "Ann Jones", "Ravi Shah")}
    assert others != mine


def test_email_keeps_shape_and_the_name_it_holds() -> None:
    fake = surrogate("jane.smith84@gmail.com", "EMAIL_ADDRESS", KEY)
    name = surrogate("Jane Smith", "PERSON", KEY)
    assert fake is not None and name is not None
    local, domain = fake.split("@")
    assert domain in EXAMPLE_DOMAINS
    first, last = name.lower().split(" ")
    assert re.fullmatch(rf"{first}\.{last}\d\d", local), fake


@pytest.mark.parametrize(("value", "kept"), [
    ("+44 7700 900123", "+44 7"), ("07700 900123", "07"), ("0044 20 7946 0018", "0044 2"),
])
def test_phone_keeps_country_trunk_and_grouping(value: str, kept: str) -> None:
    fake = surrogate(value, "PHONE_NUMBER", KEY)
    assert fake is not None and fake.startswith(kept) and fake != value
    assert re.sub(r"\d", "9", fake) == re.sub(r"\d", "9", value)


def test_north_american_numbers_keep_a_valid_area_code() -> None:
    for value in ("(415) 555-0132", "212-555-0199", "415 555 0100"):
        fake = surrogate(value, "PHONE_NUMBER", KEY)
        assert fake is not None and re.sub(r"\D", "", fake)[0] in "23456789"


@given(st.from_regex(r"4\d{15}", fullmatch=True))
@settings(max_examples=50, deadline=None)
def test_cards_stay_luhn_valid_with_their_network(card: str) -> None:
    spaced = " ".join(card[i:i + 4] for i in range(0, 16, 4))
    fake = surrogate(spaced, "CREDIT_CARD", KEY)
    assert fake is not None and luhn_ok(fake) and fake[0] == "4" and len(fake) == len(spaced)


def test_iban_keeps_country_length_and_valid_check_digits() -> None:
    real = "GB82 WEST 1234 5698 7654 32"
    assert iban_ok(real)
    fake = surrogate(real, "IBAN_CODE", KEY)
    assert fake is not None and iban_ok(fake) and fake[:2] == "GB" and fake != real
    assert len(fake) == len(real)


def test_ids_keep_prefix_and_shape() -> None:
    fake = surrogate("ORD-552901", "ORDER_ID", KEY)
    assert fake is not None and re.fullmatch(r"ORD-\d{6}", fake) and fake != "ORD-552901"


def test_nhs_numbers_have_a_valid_check_digit() -> None:
    fake = surrogate("943 476 5919", "UK_NHS", KEY)
    assert fake is not None
    digits = [int(d) for d in fake if d.isdigit()]
    check = 11 - sum(d * (10 - i) for i, d in enumerate(digits[:9])) % 11
    assert (0 if check == 11 else check) == digits[9]


@pytest.mark.parametrize("granularity", ["full", "street", "town"])
def test_addresses_at_a_granularity(granularity: str) -> None:
    fake = surrogate("14 Harbour Road, Swansea", "STREET_ADDRESS", KEY,
                     {"granularity": granularity})
    assert fake is not None and "Swansea" not in fake and "Harbour" not in fake
    assert (re.match(r"\d+ ", fake) is not None) == (granularity != "town")
    assert ("," in fake) == (granularity == "full")


def test_dates_move_by_one_offset_per_subject_keeping_intervals() -> None:
    first = surrogate("2021-03-14", "DATE_TIME", KEY, subject="customer-1")
    later = surrogate("2021-04-02", "DATE_TIME", KEY, subject="customer-1")
    assert first is not None and later is not None
    interval = date.fromisoformat(later) - date.fromisoformat(first)
    assert interval.days == 19 and first != "2021-03-14"
    shifts = {date_shift_days(KEY, f"customer-{i}") for i in range(50)}
    assert len(shifts) > 20 and 0 not in shifts
    assert all(abs(s) <= MAX_DATE_SHIFT_DAYS for s in shifts)


@pytest.mark.parametrize(("value", "shape"), [
    ("14/03/2021", r"\d\d/\d\d/\d{4}"),
    ("14 March 2021", r"\d{1,2} (?:January|February|March|April|May|June|July|August|"
                      r"September|October|November|December) \d{4}"),
    ("Mar 14, 2021", r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, \d{4}"),
    ("2021-03-14", r"\d{4}-\d\d-\d\d"),
])
def test_dates_keep_their_format(value: str, shape: str) -> None:
    fake = surrogate(value, "DATE_TIME", KEY, subject="s")
    assert fake is not None and fake != value and re.fullmatch(shape, fake), fake


def test_what_has_no_surrogate_says_so() -> None:
    assert surrogate("last week", "DATE_TIME", KEY, subject="s") is None
    assert surrogate("my daughter, who is 7", "QUASI_FAMILY", KEY) is None
