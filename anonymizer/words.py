"""Human words for every code a page shows: `say(kind, code)`.

Plain dicts, one per kind of code, no Django. Templates use the `say` filter
(`{% load veil_words %}{{ t.code|say:"trigger" }}`); the help page lists the `*_why` sentences.
A code with no words here is shown with its underscores as spaces, never hidden.
"""

from __future__ import annotations

TIERS: dict[str, str] = {"low": "Low", "medium": "Medium", "high": "High"}

TIERS_WHY: dict[str, str] = {
    "low": "No trigger fired: the record is cleared automatically (a small sample is still "
    "reviewed) and can be exported without a person reading it.",
    "medium": "At least one medium trigger fired: a reviewer checks the record before export.",
    "high": "At least one high trigger fired: the record is reviewed first, before any medium "
    "one.",
}

# One short name per risk trigger code (anonymizer/engine/risk.py).
TRIGGERS: dict[str, str] = {
    "data_class": "Sensitive data class",
    "purpose": "Risky export purpose",
    "legal_context": "Legal matter",
    "health_context": "Health information",
    "payment_context": "Payment matter",
    "minors_context": "Mentions a child",
    "employee_grievance_context": "Workplace grievance",
    "payment_or_government_id": "Payment or government id",
    "narrative": "Long free-form narrative",
    "identifier_density": "Many identifiers",
    "low_confidence": "Uncertain detection",
    "uncertain_candidate": "Possible missed name",
    "uncovered_identifier": "Undetected identifier",
    "validation_sample": "Random quality check",
    "implied_identifier": "Singles a person out",
}

# What sends a record to review, one sentence per trigger (the help page lists them all).
TRIGGERS_WHY: dict[str, str] = {
    "data_class": "The batch is marked confidential (medium) or regulated (high).",
    "purpose": "The export is for external sharing or model training.",
    "legal_context": "The text speaks of lawyers, courts, police, complaints to a regulator "
    "or similar legal action.",
    "health_context": "The text speaks of illness, treatment, doctors or hospitals (high on its "
    "own).",
    "payment_context": "The text speaks of cards, bank accounts, refunds or billing.",
    "minors_context": "The text speaks of a child, a school or a minor (high on its own).",
    "employee_grievance_context": "The text speaks of harassment, discrimination, dismissal or "
    "a complaint about a manager.",
    "payment_or_government_id": "A card number, bank account or government id was detected "
    "(high).",
    "narrative": "The text is long or has many sentences, where identifying details hide "
    "easily.",
    "identifier_density": "Many identifying spans, or many different kinds of them, sit close "
    "together.",
    "low_confidence": "A detection scored below the confidence threshold.",
    "uncertain_candidate": "A capitalised word no recognizer explained sits in a spot where it "
    "may be a name, place or employer.",
    "uncovered_identifier": "A token that looks like an identifier (letters and digits mixed, or "
    "a long digit run) is covered by no confident detection.",
    "validation_sample": "The record was picked at random from the low tier, to check that "
    "auto-clearing is safe.",
    "implied_identifier": "A phrase points at one person without naming them: a relative with "
    "an age, a job at a named place, a condition, a rare event, a vehicle or device described "
    "in detail, a history with us or the law (high when it is sharp, \"the only ...\", or when "
    "there are three).",
}

# Record statuses (anonymizer.models.RecordStatus).
STATUSES: dict[str, str] = {
    "new": "New",
    "detected": "Detected",
    "needs_review": "Needs review",
    "in_review": "In review",
    "escalated": "Escalated",
    "reviewed": "Reviewed",
    "auto_cleared": "Auto-cleared",
}

# Operators (anonymizer/engine/transform.py OPERATORS).
OPERATORS: dict[str, str] = {
    "redact": "Redact",
    "replace": "Replace with type",
    "mask": "Mask",
    "pseudonymize": "Pseudonymize",
    "surrogate": "Realistic surrogate",
    "generalize": "Generalize",
    "keep": "Keep",
}

OPERATORS_WHY: dict[str, str] = {
    "redact": "Removes the value, leaving nothing in its place.",
    "replace": "Writes the type in its place, such as [EMAIL] or [CUSTOMER_NAME].",
    "mask": "Hides each letter and digit behind a mask character, keeping the last four "
    "(or as many as the rule says).",
    "pseudonymize": "Writes a keyed token: one person gets the same token across records and "
    "batches of one linkage domain, and tokens of different domains cannot be linked.",
    "surrogate": "Writes a realistic fake of the same kind, keyed like a pseudonym: a fake "
    "name (the same for the same person), an email or phone number of the same shape and "
    "country, a card or IBAN with a valid checksum, a fake address, a date moved by one keyed "
    "offset per customer so that the intervals between their dates are kept.",
    "generalize": "Makes the value coarser: a date to its month, quarter or year, an age to a "
    "band, a postcode to its first characters, a phrase that singles someone out to what kind "
    "of detail it was; what cannot be generalised is replaced by its type.",
    "keep": "Leaves the value as it is.",
}

# Entity labels (anonymizer/engine/labels.py LABELS).
LABELS: dict[str, str] = {
    "IBAN_CODE": "IBAN",
    "CREDIT_CARD": "Card number",
    "US_SSN": "Social security number",
    "PASSPORT": "Passport number",
    "US_PASSPORT": "US passport number",
    "DRIVER_LICENSE": "Driving licence",
    "NATIONAL_ID": "National id",
    "TAX_ID": "Tax id",
    "US_DRIVER_LICENSE": "US driving licence",
    "US_ITIN": "US taxpayer number",
    "UK_NHS": "NHS number",
    "MEDICAL_LICENSE": "Medical licence",
    "US_BANK_NUMBER": "US bank account",
    "CRYPTO": "Crypto wallet",
    "EMAIL_ADDRESS": "Email address",
    "PHONE_NUMBER": "Phone number",
    "IP_ADDRESS": "IP address",
    "MAC_ADDRESS": "MAC address",
    "ACCOUNT_ID": "Account id",
    "CUSTOMER_ID": "Customer id",
    "ORDER_ID": "Order id",
    "INVOICE_ID": "Invoice id",
    "TICKET_ID": "Ticket id",
    "CASE_NUMBER": "Case number",
    "DEVICE_SERIAL": "Device serial",
    "URL": "Web address",
    "USERNAME": "Username",
    "DATE_OF_BIRTH": "Date of birth",
    "STREET_ADDRESS": "Street address",
    "POSTCODE": "Postcode",
    "PERSON": "Person",
    "AGE": "Age",
    "LOCATION": "Place",
    "NRP": "Nationality, religion or politics",
    "ORGANIZATION": "Organisation",
    "DATE_TIME": "Date or time",
    "ID": "Identifier",
    "PROPER_NOUN": "Possible name",
    "SIGNATURE_LINE": "Signature line",
    "JOB_TITLE": "Job title",
    "QUASI_FAMILY": "Family detail",
    "QUASI_OCCUPATION": "Job and workplace",
    "QUASI_AGE": "Age",
    "QUASI_ORIGIN": "Origin or belief",
    "QUASI_VEHICLE": "Vehicle description",
    "QUASI_DEVICE": "Device description",
    "QUASI_CONDITION": "Health condition",
    "QUASI_EVENT": "Rare event",
    "QUASI_HISTORY": "Case history",
}

# Roles (anonymizer.roles.ROLES).
ROLES: dict[str, str] = {
    "reviewer": "Reviewer",
    "privacy_officer": "Privacy officer",
    "admin": "Admin",
}

ROLES_WHY: dict[str, str] = {
    "reviewer": "Reviews the records of the batches an admin assigns to them: accepts, rejects, "
    "relabels and adds spans, and escalates a record to a privacy officer.",
    "privacy_officer": "Resolves escalations, edits and approves policies and rule sets (never "
    "one they edited), confirms column roles, looks up the vault, erases a person's data and "
    "reads the audit log.",
    "admin": "Uploads batches, assigns reviewers, starts exports, downloads their files and "
    "manages API tokens.",
}

WORDS: dict[str, dict[str, str]] = {
    "tier": TIERS,
    "tier_why": TIERS_WHY,
    "trigger": TRIGGERS,
    "trigger_why": TRIGGERS_WHY,
    "status": STATUSES,
    "operator": OPERATORS,
    "operator_why": OPERATORS_WHY,
    "label": LABELS,
    "role": ROLES,
    "role_why": ROLES_WHY,
}


def say(kind: str, code: str) -> str:
    """The words for `code` of `kind` (a key of WORDS); an unknown code reads as itself with
    underscores as spaces. An unknown kind is a programming error and raises KeyError."""
    return WORDS[kind].get(code, str(code).replace("_", " "))
