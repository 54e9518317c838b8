"""Entity types Veil knows, their strength (for merging overlaps) and risk category.

Presidio's names are used where one exists; Veil's own otherwise.

Labels of the category "hint" (`is_hint`) are review hints, not detections: capitalised words
no recognizer explained. They stay in `detect_many`'s output, for the risk step and the review
page, but count as spans nowhere else: not in `detect_file` output, not in evaluation, not in
exports or stored detections unless a person or a rule confirms them (`without_hints`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar


@dataclass(frozen=True, slots=True)
class LabelInfo:
    strength: int  # higher wins when spans overlap
    category: str  # identifier / contact / payment / government_id / location / person / ...


HINT_CATEGORY = "hint"

LABELS: dict[str, LabelInfo] = {
    # An IBAN (mod-97 checksum, longer) can hold a Luhn-valid run of digits: the IBAN wins.
    "IBAN_CODE": LabelInfo(100, "payment"),
    "CREDIT_CARD": LabelInfo(99, "payment"),
    "US_SSN": LabelInfo(98, "government_id"),
    "PASSPORT": LabelInfo(97, "government_id"),
    "US_PASSPORT": LabelInfo(97, "government_id"),  # Presidio's names, if a rule set uses them
    "DRIVER_LICENSE": LabelInfo(96, "government_id"),
    "NATIONAL_ID": LabelInfo(96, "government_id"),
    "TAX_ID": LabelInfo(96, "government_id"),
    "US_DRIVER_LICENSE": LabelInfo(96, "government_id"),
    "US_ITIN": LabelInfo(96, "government_id"),
    "UK_NHS": LabelInfo(95, "health"),
    "MEDICAL_LICENSE": LabelInfo(95, "health"),
    "US_BANK_NUMBER": LabelInfo(94, "payment"),
    "CRYPTO": LabelInfo(94, "payment"),
    "EMAIL_ADDRESS": LabelInfo(95, "contact"),
    "PHONE_NUMBER": LabelInfo(90, "contact"),
    "IP_ADDRESS": LabelInfo(89, "technical"),
    "MAC_ADDRESS": LabelInfo(88, "technical"),
    "ACCOUNT_ID": LabelInfo(85, "identifier"),
    "CUSTOMER_ID": LabelInfo(84, "identifier"),
    "ORDER_ID": LabelInfo(83, "identifier"),
    "INVOICE_ID": LabelInfo(82, "identifier"),
    "TICKET_ID": LabelInfo(81, "identifier"),
    "CASE_NUMBER": LabelInfo(79, "identifier"),  # below the rule set's own TICKET_ID
    "DEVICE_SERIAL": LabelInfo(80, "technical"),
    "URL": LabelInfo(75, "technical"),
    "USERNAME": LabelInfo(74, "identifier"),
    "DATE_OF_BIRTH": LabelInfo(72, "person"),
    "STREET_ADDRESS": LabelInfo(70, "location"),
    "POSTCODE": LabelInfo(68, "location"),
    "PERSON": LabelInfo(65, "person"),
    "AGE": LabelInfo(60, "person"),
    "LOCATION": LabelInfo(50, "location"),
    "NRP": LabelInfo(45, "person"),
    "ORGANIZATION": LabelInfo(40, "organization"),
    "DATE_TIME": LabelInfo(30, "time"),
    "ID": LabelInfo(20, "identifier"),
    # Capitalised words no recognizer explained: low-score candidates for review.
    "PROPER_NOUN": LabelInfo(5, HINT_CATEGORY),
    # A short line under a name in a signature block: job title, employer.
    "SIGNATURE_LINE": LabelInfo(6, "quasi_identifier"),
    # "I work for X as a dairy scientist": an occupation next to an employer.
    "JOB_TITLE": LabelInfo(7, "quasi_identifier"),
    # Implied identifiers (engine.quasi): phrases that single a person out without naming
    # them. They are a layer of their own over the detections (never merged with them), so
    # their strength only orders them among themselves.
    # origin: nationality, ethnic origin, religion (special-category data under the GDPR)
    "QUASI_ORIGIN": LabelInfo(16, "quasi_identifier"),
    "QUASI_OCCUPATION": LabelInfo(15, "quasi_identifier"),
    "QUASI_CONDITION": LabelInfo(14, "quasi_identifier"),
    "QUASI_FAMILY": LabelInfo(13, "quasi_identifier"),
    "QUASI_EVENT": LabelInfo(12, "quasi_identifier"),
    "QUASI_HISTORY": LabelInfo(11, "quasi_identifier"),
    "QUASI_AGE": LabelInfo(10, "quasi_identifier"),
    "QUASI_VEHICLE": LabelInfo(9, "quasi_identifier"),
    "QUASI_DEVICE": LabelInfo(8, "quasi_identifier"),
}
IMPLIED_PREFIX = "QUASI_"
# Organisation-defined types (custom patterns, deny-lists) rank with the identifiers: an
# organisation that names a pattern means it, above what the NER model guesses.
DEFAULT_INFO = LabelInfo(86, "custom")


def by_strength() -> list[str]:
    """All known labels, strongest first (the merge order)."""
    return sorted(LABELS, key=lambda label: -LABELS[label].strength)


def info(label: str) -> LabelInfo:
    return LABELS.get(label, DEFAULT_INFO)


def strength(label: str) -> int:
    return info(label).strength


def is_hint(label: str) -> bool:
    """A review hint (PROPER_NOUN), not a detection."""
    return info(label).category == HINT_CATEGORY


class _Labelled(Protocol):
    @property
    def label(self) -> str: ...


L = TypeVar("L", bound=_Labelled)


def is_implied(label: str) -> bool:
    """An implied-identifier phrase (QUASI_*, `engine.quasi`): a layer over the detections."""
    return label.startswith(IMPLIED_PREFIX)


def without_hints(spans: Iterable[L]) -> list[L]:
    """The detections among `spans` (anything with a `.label`): hints left out."""
    return [s for s in spans if not is_hint(s.label)]
