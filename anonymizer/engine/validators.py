"""Checksums that turn a pattern hit into a validated detection."""

from __future__ import annotations

import ipaddress


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def luhn_sum(ds: str) -> int:
    """The Luhn sum of a digit string: every second digit from the right doubled, less 9 when
    that makes it two digits. A complete number is valid when the sum ends in 0."""
    total = 0
    for i, ch in enumerate(reversed(ds)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total


def luhn_ok(number: str) -> bool:
    ds = digits(number)
    if not 12 <= len(ds) <= 19:
        return False
    return luhn_sum(ds) % 10 == 0


IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}


def iban_ok(text: str) -> bool:
    iban = "".join(ch for ch in text if ch.isalnum()).upper()
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is None or len(iban) != expected:
        return False
    try:
        return iban_mod97(iban[4:] + iban[:4]) == 1
    except ValueError:
        return False


def iban_mod97(rearranged: str) -> int:
    """ISO 7064 mod 97-10 of an IBAN with its first four characters moved to the end (letters
    as 10..35): 1 for a valid IBAN; with "00" as check digits, 98 minus the check digits.
    ValueError on a character that is not a letter or a digit."""
    return int("".join(str(int(ch, 36)) for ch in rearranged.upper())) % 97


def ssn_ok(text: str) -> bool:
    ds = digits(text)
    if len(ds) != 9:
        return False
    area, group, serial = ds[:3], ds[3:5], ds[5:]
    if area in ("000", "666") or area.startswith("9") or group == "00" or serial == "0000":
        return False
    return len(set(ds)) > 1 and ds not in ("123456789",)


def ip_ok(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
