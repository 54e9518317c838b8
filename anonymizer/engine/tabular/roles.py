"""Column roles: the one list of role names, and a suggestion per column for an officer to confirm.

`ColumnRoleKind` is the single definition of the roles a structured column can take; the
Django model's choices are built from it (`ColumnRoleKind.choices()`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum


class ColumnRoleKind(StrEnum):
    """The role of a structured column in re-identification."""

    DIRECT = "direct_identifier"
    QUASI = "quasi_identifier"
    SENSITIVE = "sensitive"
    INSENSITIVE = "insensitive"

    @property
    def label(self) -> str:
        """A readable name for forms and pages."""
        return _LABELS[self]

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs in definition order, as Django's `choices` takes them."""
        return [(role.value, role.label) for role in cls]


_LABELS = {
    ColumnRoleKind.DIRECT: "Direct identifier",
    ColumnRoleKind.QUASI: "Quasi-identifier",
    ColumnRoleKind.SENSITIVE: "Sensitive attribute",
    ColumnRoleKind.INSENSITIVE: "Insensitive",
}

_ROLE_WORDS: tuple[tuple[ColumnRoleKind, frozenset[str], tuple[str, ...]], ...] = (
    (ColumnRoleKind.DIRECT,
     frozenset({"name", "firstname", "lastname", "surname", "fullname", "username", "phone",
                "mobile", "telephone", "tel", "ssn", "passport"}),
     ("email", "e_mail", "phone", "ssn", "social_security")),
    (ColumnRoleKind.QUASI,
     frozenset({"age", "gender", "sex", "city", "town", "country", "job", "occupation", "zip",
                "dob"}),
     ("postcode", "post_code", "postal", "zipcode", "zip_code", "birth")),
    (ColumnRoleKind.SENSITIVE,
     frozenset({"diagnosis", "health", "salary", "income", "religion", "complaint", "category"}),
     ("diagnos", "health", "salary", "religio", "complaint", "category")),
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_DATE_SHAPE = re.compile(r"^\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$")


def _header_tokens(header: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1_\2", header.strip())
    return [t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t]


def _direct_value(value: str) -> bool:
    """An e-mail address, or a phone number with at least 9 digits that is not a date."""
    if _EMAIL.match(value):
        return True
    digits = sum(ch.isdigit() for ch in value)
    return bool(_PHONE.match(value)) and digits >= 9 and not _DATE_SHAPE.match(value)


def _looks_direct(values: Sequence[str]) -> bool:
    """Most non-empty sample values are e-mail addresses or phone numbers (not dates)."""
    present = [v.strip() for v in values if v and v.strip()]
    if not present:
        return False
    return sum(_direct_value(v) for v in present) >= 0.6 * len(present)


def suggest_role(header: str, sample_values: Sequence[str]) -> ColumnRoleKind:
    """Suggest a role from header keywords, then from the shape of sample values.

    Values that look like e-mail addresses or phone numbers make a column a direct identifier
    whatever its header says. A privacy officer confirms the suggestion.
    """
    if _looks_direct(sample_values):
        return ColumnRoleKind.DIRECT
    tokens = _header_tokens(header)
    joined = "_".join(tokens)
    for role, words, fragments in _ROLE_WORDS:
        if any(t in words for t in tokens) or any(f in joined for f in fragments):
            return role
    return ColumnRoleKind.INSENSITIVE
