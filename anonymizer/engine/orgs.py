"""Organisation names by shape and cue, for what the small NER model misses.

- a legal-form suffix: "Shepherd Ltd.", "Streetcred Software Inc.", "Miller and Sons";
- the partnership shape: "Davis, Reynolds and Williamson";
- a cue: "I work for X", "worked at X", "employed by X", "X's office".
An employer is a strong quasi-identifier in support text, so organisations are kept.
"""

from __future__ import annotations

import re

from anonymizer.engine.names import COMMON_WORDS, surnames
from anonymizer.engine.textscan import Cue
from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_orgs"
_UP = "A-ZÀ-ÖØ-ÞĀ-ſ"
_CAP = r"[" + _UP + r"][\w&'’.-]*"
_CAP_LOW = r"[" + _UP + r"a-z][\w&'’.-]*"  # lower-case texts keep their shape
_SUFFIX = (
    r"Inc|Incorporated|Ltd|Limited|LLC|LLP|PLC|plc|GmbH|AG|SA|S\.A|SAS|SARL|BV|B\.V|NV|N\.V|"
    r"Oy|AB|AS|A/S|ApS|KG|Co|Corp|Corporation|Company|Holdings|Group|Partners|Associates|"
    r"Technologies|Solutions|Systems|Software|Consulting|Labs|Industries|Enterprises|"
    r"Foundation|Bank|Insurance|Markets|Ventures|Capital|and Sons|& Sons|Bros"
)
_LEGAL = re.compile(
    r"\b(" + _CAP + r"(?:[ -]" + _CAP + r"){0,3}),?[ ](?:" + _SUFFIX + r")\b"
    r"(?:(?:(?<=Inc)|(?<=Ltd)|(?<=Co)|(?<=Corp)|(?<=Bros))\.)?"
)
_SUFFIX_WORDS = frozenset(
    w.replace("\\", "") for w in _SUFFIX.split("|") if " " not in w and "&" not in w
) | {"Sons"}
_PARTNERSHIP = re.compile(
    r"\b(" + _CAP_LOW + r"),[ ](" + _CAP_LOW + r")(?:,[ ]" + _CAP_LOW + r")?,?[ ](?:and|&)[ ]("
    + _CAP_LOW + r")\b"
)
_CUE = Cue.compile(
    r"(?:work(?:s|ed|ing)?\s+(?:for|at|with)|employed\s+(?:by|at)|employer\s+(?:is|:)|"
    r"job\s+at|intern(?:ed|ing)?\s+at|year\s+at|joined|left|quit|company\s+(?:is|:)|"
    r"spent\s+a\s+year\s+at)\s+"
)
_CAP_RUN = re.compile(_CAP + r"(?:[ ]" + _CAP + r"){0,3}")


def _plausible(words: list[str]) -> bool:
    return bool(words) and words[0].lower() not in COMMON_WORDS


def find_organizations(text: str, lower: str | None = None) -> list[SpanCandidate]:
    found: list[SpanCandidate] = []
    has_suffix = not _SUFFIX_WORDS.isdisjoint(w.rstrip(".,;:") for w in text.split())
    for m in _LEGAL.finditer(text) if has_suffix else ():
        words = m.group(1).split()
        # the words before the suffix must be names, not "the" or "our"
        while words and words[0].lower() in COMMON_WORDS:
            words = words[1:]
        if words:
            start = m.end(1) - len(" ".join(words)) if " " in m.group(1) else m.start(1)
            start = text.rfind(words[0], m.start(1), m.end(1))
            found.append(SpanCandidate(start, m.end(), "ORGANIZATION", 0.7, RECOGNIZER,
                                       "legal_form"))
    for m in _PARTNERSHIP.finditer(text) if (" and " in text or " & " in text) else ():
        words = [g.lower() for g in m.groups() if g]
        known = surnames()
        if all(w not in COMMON_WORDS for w in words) and sum(w in known for w in words) >= 2:
            found.append(SpanCandidate(m.start(), m.end(), "ORGANIZATION", 0.65, RECOGNIZER,
                                       "partnership"))
    for _, cue_end in _CUE.spans(text, lower):
        run = _CAP_RUN.match(text, cue_end)
        if run is None or not _plausible(run.group().split()):
            continue
        end = cue_end
        for w in re.finditer(r"\S+", run.group()):
            if w.group().lower().strip(".,") in COMMON_WORDS:
                break
            end = cue_end + w.end()
        value = text[cue_end:end].rstrip(".,")
        if value:
            found.append(SpanCandidate(cue_end, cue_end + len(value), "ORGANIZATION", 0.5,
                                       RECOGNIZER, "employer_cue"))
    return found
