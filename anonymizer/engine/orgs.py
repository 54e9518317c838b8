"""Organisation names by shape and cue, for what the small NER model misses.

- a legal-form suffix: "Shepherd Ltd.", "Streetcred Software Inc.", "Miller and Sons";
- the partnership shape: "Davis, Reynolds and Williamson";
- a cue: "I work for X", "worked at X", "employed by X", "X's office";
- an institution, found whole: "the Ministry of the Interior of Poland", "University of
  Bologna", "St Mary's Hospital", "Leeds Crown Court", "Harbor Street Pharmacy".
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
_HEAD = (
    r"Ministry|Department|Office|Court|Tribunal|University|College|School|Academy|Institute|"
    r"Hospital|Clinic|Bank|Council|Commission|Agency|Authority|Embassy|Consulate|Museum|"
    r"Library|Parliament|Federation|Association|Society|Board|Chamber|Directorate|Police|"
    r"Prosecutor's Office|Municipality|Service|Registry|Inspectorate|Bureau"
)
_TAIL = (
    r"University|College|School|Academy|Institute|Hospital|Clinic|Infirmary|Medical Cent(?:er|re)|"
    r"Health Cent(?:er|re)|Bank|Court|Council|Police|Police Department|Fire Department|"
    r"Supermarket|Pharmacy|Store|Stores|Shop|Airlines|Airways|Railways?|Hotel|Ministry|Prison|"
    r"Prosecutor's Office|Tribunal|Parliament|Church|Cathedral|Museum|Library|Municipality|"
    r"Police Station|Primary|Nursery|Kindergarten|Gymnasium|Lyceum"
)
_NAME_WORD = r"(?:St\.?|[" + _UP + r"][\w'’-]*(?:\.\w+)*)"
_INSTITUTION_OF = re.compile(
    r"\b(?:" + _HEAD + r")(?:[ ]" + _NAME_WORD + r"){0,2}[ ]of[ ](?:the[ ])?" + _NAME_WORD
    + r"(?:[ ]" + _NAME_WORD + r"){0,3}(?:[ ](?:of|for|and)[ ](?:the[ ])?" + _NAME_WORD
    + r"(?:[ ]" + _NAME_WORD + r"){0,3}){0,2}"
)
_INSTITUTION_NAMED = re.compile(
    r"\b" + _NAME_WORD + r"(?:[ ]" + _NAME_WORD + r"){0,3}[ ](?:" + _TAIL + r")\b"
)
_INSTITUTION_GATE = frozenset(w for w in re.findall(r"[A-Z][a-z]+", _HEAD + "|" + _TAIL))


def _plausible(words: list[str]) -> bool:
    return bool(words) and words[0].lower() not in COMMON_WORDS


_JOB = re.compile(
    r"(?i)\b(?:work(?:s|ed|ing)?|employed|job|hired|position|started)\b[^.!?\n]{0,60}?\bas\s+"
    r"(?:an?\s+|the\s+)?([a-z][\w-]*(?:[ ][a-z][\w-]*){0,3})"
)


def find_job_titles(text: str) -> list[SpanCandidate]:
    """'I used to work for X as a passenger booking clerk': the occupation, up to the first
    everyday word."""
    found = []
    for m in _JOB.finditer(text) if " as " in text else ():
        words = []
        for word in m.group(1).split():
            if word.lower() in COMMON_WORDS and word.lower() not in ("manager", "director"):
                break
            words.append(word)
        if words:
            start = m.start(1)
            found.append(SpanCandidate(start, start + len(" ".join(words)), "JOB_TITLE", 0.5,
                                       RECOGNIZER, "job_title"))
    return found


def find_institutions(text: str) -> list[SpanCandidate]:
    """Ministries, courts, schools, hospitals, banks and shops, by their head word."""
    if _INSTITUTION_GATE.isdisjoint(re.findall(r"[A-Z][a-z]+", text)):
        return []
    found: list[SpanCandidate] = []
    for m in _INSTITUTION_OF.finditer(text):
        found.append(SpanCandidate(m.start(), m.end(), "ORGANIZATION", 0.7, RECOGNIZER,
                                   "institution_of"))
    for m in _INSTITUTION_NAMED.finditer(text):
        words = m.group().split()
        head = len(words) - 1
        first = 0
        while first < head and words[first].lower().strip(".") in COMMON_WORDS - {"st"}:
            first += 1  # "The", "Our", "Dear": not part of the name
        if first < head:
            start = m.start() + len(" ".join(words[:first])) + (1 if first else 0)
            found.append(SpanCandidate(start, m.end(), "ORGANIZATION", 0.7, RECOGNIZER,
                                       "institution_named"))
    return found


def find_organizations(text: str, lower: str | None = None) -> list[SpanCandidate]:
    found: list[SpanCandidate] = [*find_institutions(text), *find_job_titles(text)]
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
