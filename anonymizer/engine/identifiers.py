"""Identifier-shaped tokens: document, account and case numbers of any format.

A token is identifier-shaped if it mixes letters and digits ("X1234567", "DE-T22000129") or
holds a long run of digits ("48213377", "12345/98"), and is no date, time, version or unit
("2023-01-05", "10:30", "v2.3.1", "128GB"). Near a document, account or case word
("passport", "driving licence", "tax ID", "application no.") it is that identifier; with a
short country or type prefix it is an identifier; any other identifier-shaped token is
flagged as an unknown identifier at a low score, for review, rather than missed.

`identifier_tokens` gives the same tokens to the risk step, which auto-clears a record only
when a confident span covers each of them.
"""

from __future__ import annotations

import re

from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_identifiers"
UNKNOWN_SCORE = 0.4
CONTEXT_SCORE = 0.8
PREFIX_SCORE = 0.65
_WINDOW = 36

_DIGITS = re.compile(r"\d+")
_SEPARATORS = "-/."
_GROUPS = re.compile(r"(?:[ ]\d{2,4}){1,5}(?![\w-])")
_NOT_AN_ID = re.compile(
    r"(?i)^(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}[.:]\d{2}(?:[.:]\d{2})?|v?\d+(?:\.\d+){1,3}|"
    r"\d+(?:st|nd|rd|th|s|am|pm|k|m|x|p|kg|g|mg|ml|l|km|cm|mm|gb|mb|tb|kb|hz|mhz|ghz|kw|mph|"
    r"kmh|fps|hrs?|mins?|secs?|yrs?|px|dpi|mah|v|w)|(?:19|20)\d\d(?:s|-\d\d(?:\d\d)?)?|"
    r"[a-z]{1,3}\d|\d[a-z]{1,2}|covid-?19|mp[34]|h264|x86|utf-?8|sha-?\d+|ipv[46])$"
)
# Words that say what an identifier is, nearest one first wins; (label, words).
_CONTEXT: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("PASSPORT", ("passport",)),
    ("DRIVER_LICENSE", ("licence", "license", "permis")),
    ("NATIONAL_ID", ("national id", "identity card", "id card", "identity number",
                     "identity document", "personal number", "personal code",
                     "personal identification", "social insurance", "insurance number",
                     "national insurance", "citizen", "resident permit", "residence permit",
                     "identification number", "dni", "nie", "pesel", "bsn", "cnp", "nino")),
    ("TAX_ID", ("tax id", "tax number", "tax code", "tax identification", "taxpayer", "tin",
                "nif", "vat", "fiscal code", "codice fiscale", "steuer")),
    ("CASE_NUMBER", ("application", "case", "docket", "appeal", "complaint", "file no",
                     "claim", "judgment", "petition", "proceedings", "ref no", "decision no")),
    ("ACCOUNT_ID", ("account", "iban", "policy number", "membership", "member")),
    ("ID", ("id", "number", "no.", "nr", "code", "reference", "ref", "certificate", "permit",
            "visa", "registration", "registered", "serial", "document", "card", "#")),
)
_CONTEXT_RE = re.compile(
    r"(?<![a-z])(" + "|".join(
        sorted((re.escape(w) for _, words in _CONTEXT for w in words), key=len, reverse=True)
    ) + r")(?![a-z])"
)
_LABEL_OF = {w: label for label, words in _CONTEXT for w in words}
_PREFIX = re.compile(r"^[A-Z]{1,3}[-/]?[A-Z]{0,2}\d{5,}[A-Z]?$")
_SENTENCE_BREAK = re.compile(r"[.!?;]\s+[A-Z]|\n")


def _expand(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow a digit run over the letters, digits and inner separators around it."""
    n = len(text)
    while True:
        while start > 0 and text[start - 1].isascii() and text[start - 1].isalnum():
            start -= 1
        if start > 1 and text[start - 1] in _SEPARATORS and text[start - 2].isalnum() and (
            text[start - 2].isascii()
        ):
            start -= 1
            continue
        break
    while True:
        while end < n and text[end].isascii() and text[end].isalnum():
            end += 1
        if end + 1 < n and text[end] in _SEPARATORS and text[end + 1].isascii() and (
            text[end + 1].isalnum()
        ):
            end += 1
            continue
        break
    return start, end


def _shape(value: str, *, in_context: bool) -> bool:
    """Identifier-shaped: mixed letters and digits, or a long digit run; with a context word
    shorter ones count too."""
    if _NOT_AN_ID.match(value):
        return False
    digits = sum(ch.isdigit() for ch in value)
    letters = sum(ch.isalpha() for ch in value)
    if in_context:
        return digits >= 4 or (digits >= 3 and ("/" in value or letters >= 1))
    if letters:
        return digits >= 2 and digits + letters >= 6
    return digits >= 6 and not (digits <= 8 and "." in value)


def _bounded(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not (before in "@_+:$€£" or after in "@_" or before.isalnum() or after.isalnum())


def identifier_tokens(text: str) -> list[tuple[int, int]]:
    """(start, end) of every identifier-shaped token, context words aside."""
    out: list[tuple[int, int]] = []
    last = -1
    for m in _DIGITS.finditer(text):
        if m.start() < last:
            continue
        start, end = _expand(text, m.start(), m.end())
        last = end
        if _bounded(text, start, end) and _shape(text[start:end], in_context=False):
            out.append((start, end))
    return out


def _context_label(text: str, lower: str, start: int) -> str | None:
    """The label of the nearest document word shortly before `start`, in the same sentence;
    a specific one ("application") before a generic one ("no.")."""
    first = max(0, start - _WINDOW)
    cut = list(_SENTENCE_BREAK.finditer(text, first, start))
    window = lower[cut[-1].end() - 1 if cut else first:start]
    labels = [_LABEL_OF[w] for w in _CONTEXT_RE.findall(window)]
    specific = [label for label in labels if label != "ID"]
    return specific[-1] if specific else (labels[-1] if labels else None)


def find_identifiers(text: str, lower: str | None = None) -> list[SpanCandidate]:
    low = lower if lower is not None and len(lower) == len(text) else text.lower()
    found: list[SpanCandidate] = []
    last = -1
    for m in _DIGITS.finditer(text):
        if m.start() < last:
            continue
        start, end = _expand(text, m.start(), m.end())
        label = _context_label(text, low, start)
        if label is not None:
            groups = _GROUPS.match(text, end)
            if groups is not None and end - start <= 4:
                end = groups.end()
        last = end
        value = text[start:end]
        if not _bounded(text, start, end) or not _shape(value, in_context=label is not None):
            continue
        if label is not None:
            found.append(_span(start, end, label, CONTEXT_SCORE, "identifier_context"))
        elif _PREFIX.match(value):
            found.append(_span(start, end, "ID", PREFIX_SCORE, "identifier_prefix"))
        else:
            found.append(_span(start, end, "ID", UNKNOWN_SCORE, "identifier_shape"))
    return found


def _span(start: int, end: int, label: str, score: float, pattern: str) -> SpanCandidate:
    return SpanCandidate(start, end, label, score, RECOGNIZER, pattern)
