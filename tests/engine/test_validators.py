from __future__ import annotations

import pytest

from anonymizer.engine import validators


@pytest.mark.parametrize(("number", "ok"), [
    ("4111 1111 1111 1111", True),
    ("4111-1111-1111-1112", False),
    ("378282246310005", True),  # Amex, 15 digits
    ("6011111111111117", True),
    ("1234", False),  # too short to be a card
    ("00000000000000000000", False),  # too long
])
def test_luhn(number: str, ok: bool) -> None:
    assert validators.luhn_ok(number) is ok


@pytest.mark.parametrize(("iban", "ok"), [
    ("GB82 WEST 1234 5698 7654 32", True),
    ("DE89370400440532013000", True),
    ("DE89370400440532013001", False),  # checksum
    ("GB82 WEST 1234 5698 7654", False),  # length for GB
    ("XX82WEST12345698765432", False),  # unknown country
])
def test_iban(iban: str, ok: bool) -> None:
    assert validators.iban_ok(iban) is ok


@pytest.mark.parametrize(("ssn", "ok"), [
    ("078-05-1120", True), ("000-12-3456", False), ("666-12-3456", False),
    ("912-12-3456", False), ("123-00-4567", False), ("123-45-0000", False),
    ("111-11-1111", False),  # one repeated digit
])
def test_ssn(ssn: str, ok: bool) -> None:
    assert validators.ssn_ok(ssn) is ok


@pytest.mark.parametrize(("ip", "ok"), [
    ("10.0.0.1", True), ("256.1.1.1", False), ("::1", True), ("2001:db8::1", True),
])
def test_ip(ip: str, ok: bool) -> None:
    assert validators.ip_ok(ip) is ok
