"""Signature blocks: the short lines under a name.

    Karin M. Beike
    Leasing consultant
    Fritz-Armstrong

A line that holds only a person's name is often followed by their job title and employer:
quasi-identifiers the recognizers do not know as such. The next two short lines (at most six
words, no digits, no sentence, not a form's field label such as "Address:") become
SIGNATURE_LINE spans at a low score. Lines are split at
line breaks and at wide gaps (runs of spaces), as text exported from forms often has them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from anonymizer.engine.labels import is_hint
from anonymizer.engine.textscan import segments
from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_signature"
_LINE_BREAK = re.compile(r"[ \t]*(?:\r?\n|[ \t]{2,})[ \t>?*•|-]*")
_FIELD_LABEL = re.compile(r"[ \t]*:")  # right after a segment (segments strip the colon)
_MAX_WORDS = 6
_FOLLOWING = 2


def _short_line(text: str, start: int, end: int) -> bool:
    value = text[start:end]
    words = value.split()
    return (
        1 <= len(words) <= _MAX_WORDS
        and not any(ch.isdigit() for ch in value)
        and not re.search(r"[.!?]\s|[.!?]$|[@:/]", value)
    )


def find_signature_lines(text: str, spans: Sequence[SpanCandidate]) -> list[SpanCandidate]:
    if "\n" not in text and "  " not in text:
        return []
    persons = [s for s in spans if s.label == "PERSON"]
    if not persons:
        return []
    lines = segments(text, _LINE_BREAK, 0, len(text), strip_end=" \t,;:")
    found = []
    for i, (start, end) in enumerate(lines):
        # the whole segment is one person's name (a title before it is fine)
        if not any(p.start <= start + 5 and p.end >= end for p in persons):
            continue
        for seg_start, seg_end in lines[i + 1:i + 1 + _FOLLOWING]:
            if not _short_line(text, seg_start, seg_end) or _FIELD_LABEL.match(text, seg_end):
                break  # a sentence, or a form's field label ("Address:", "Personal info:")
            if any(s.start <= seg_start and s.end >= seg_end and not is_hint(s.label)
                   for s in spans):
                continue  # already a detected span (an address, an e-mail, another name)
            found.append(SpanCandidate(seg_start, seg_end, "SIGNATURE_LINE", 0.35, RECOGNIZER,
                                       "line_under_name"))
    return found
