"""The clause pass of implied-identifier detection (engine.quasi).

The phrase patterns of `quasi` are exact but narrow: people say "my boys are 6 and 9", "she
has vascular dementia", "I run the post office in Little Hadham". This pass reads each
sentence for an anchor that makes it about a particular person (I, my, she, the applicant, my
daughter...) and, after it, the kind of detail the guideline (docs/quasi_identifiers.md) says
singles someone out: an age, a job at a place, a condition, a vehicle or device with a
distinguishing detail, a rare event, a history with the organisation or the law. The word
lists are in `quasi_lexicon`. A phrase runs from the anchor to the end of its detail, within
the sentence; its score is lower than an exact pattern's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from anonymizer.engine import quasi_lexicon as lex
from anonymizer.engine.quasi_grammar import NAME_WORD, grammar_spans, trimmed
from anonymizer.engine.quasi_registers import AS_A, MODIFIER_USE, NAMED, register_spans
from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_quasi_clause"
BASE_SCORE = 0.5
WINDOW = 110  # characters after the anchor that may hold its detail

_ABBREVIATIONS = frozenset({
    "st", "dr", "mr", "mrs", "ms", "mx", "prof", "rev", "no", "nr", "b", "d", "approx", "vs",
    "etc", "jr", "sr", "co", "ltd", "inc", "dept",
})
_SENTENCE_END = re.compile(r"[.!?;]+(?=\s|$)|\n")


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence; a full stop after a known abbreviation does not end
    one ("St. Mary's", "(b. 1948)")."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.group().startswith("."):
            word = re.search(r"(\w+)$", text[start:m.start()])
            if word and word.group(1).lower() in _ABBREVIATIONS:
                continue
        yield start, m.start()
        start = m.end()
    if start < len(text):
        yield start, len(text)


def _alternation(words: frozenset[str]) -> str:
    items = sorted(words, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items) + ")"


_PERSON = (
    r"(?:\bI\b|\bI'm\b|\b[Ii]m\b|\bI've\b|\bI'll\b|\bI'd\b|\bmy\b|\bwe\b|\bwe're\b|\bour\b|\bhe\b|\bshe\b|"
    r"\bhe's\b|\bshe's\b|\bhis\b|\bher\b|\bthey\b|\btheir\b|\bthe\s+(?:first\s+|second\s+|"
    r"third\s+)?(?:applicant|claimant|complainant|defendant|victim|deceased|respondent|"
    r"appellant|petitioner|accused|patient|tenant)s?\b|\b(?:the\s+|(?<![\w'] )(?<!'))"
    r"(?:service\s+user|client|patient|employee|pupil|claimant|appellant|tenant|resident|"
    r"caller|cust|pt)\b(?!')"
    r")"
)
_POSSESSOR = (
    r"(?:\b(?:my|our|his|her|their)|\bthe\s+(?:first\s+|second\s+)?(?:applicant|claimant|"
    r"complainant|defendant|victim|deceased|patient|tenant)'s|\b[A-Z][a-z]+'s|\bthe\s+[a-z]+'s|"
    r"\b(?:my|our|his|her)\s+(?:partner|wife|husband|mum|mother|dad|father)'s)"
)
_NUMBER_WORDS = r"two|three|four|five|six|both|\d"
_RELATIVE = re.compile(
    rf"(?i){_POSSESSOR}\s+(?:(?:adopted|twin|little|baby|older|younger|elderly|late|disabled|"
    rf"teenage|grown-up|foster|step|only|eldest|youngest|oldest|new|{_NUMBER_WORDS})\s+){{0,2}}"
    rf"(?P<rel>{_alternation(lex.RELATIVES)})\b"
)
_ANCHOR = re.compile(rf"(?i){_PERSON}")
_NUMBER = (
    r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
)
_NOT_AN_AGE = re.compile(
    r"(?i)^\s*(?:%|percent|p\b|pounds?|quid|dollars?|euros?|minutes?|mins?|hours?|hrs?|days?|"
    r"weeks?|times?|items?|orders?|calls?|emails?|parcels?|boxes|quid|[ap]m\b|o'clock|:|x\b|"
    r"inch|cm|mm|kg|miles?|km|gb|mb|stars?|points?|pence|pounds|digit|stone|st\b|lbs?|"
    r"of\s+(?:us|them|you|the)|people|more|other|different|separate|[a-z]+s\b)"
)
_AGE_AFTER_ANCHOR = re.compile(
    rf"(?i)^(?:\s*(?:'s|'m|is|am|are|was|were|will\s+be|'ll\s+be|be|turned|turning|turns|"
    rf"turn|at|aged|age|,\s*)\s*(?:now\s+|nearly\s+|almost\s+|just\s+|only\s+|over\s+|"
    rf"about\s+)?(?P<n>{_NUMBER})\b(?P<unit>\s+(?:years?|yrs?)(?:\s+old)?|\s+in\s+\w+)?)"
)
_AGE_STANDALONE = re.compile(
    rf"(?i)\b(?:in\s+(?:my|his|her|their|our)\s+(?:(?:early|mid|mid-|late)\s*-?\s*)?(?:teens|"
    rf"twenties|thirties|forties|fifties|sixties|seventies|eighties|nineties)"
    rf"|born\s+(?:in|on|during|just\s+after|just\s+before)\s+(?:the\s+)?[\w'-]+(?:\s+[\w'-]+)?"
    rf"|\(\s*b\.\s*(?:19|20)\d\d\s*\)|\b(?:aged|age)\s+{_NUMBER}\b"
    rf"|at\s+{_NUMBER}\b(?=\s*[,;)]|\s*\.(?!\d)|\s*$)|\b{_NUMBER}[- ]years?[- ]old)"
)
_CONDITION_LINK = (
    r"(?:has|have|had|'s\s+got|'ve\s+got|got|with|suffers?\s+(?:from|with)|suffering\s+from|"
    r"diagnosed\s+with|living\s+with|lives\s+with|is|am|'m|'s|are|was|were|been|became|"
    r"undergone|undergoing|underwent|recovering\s+from|after|since|because\s+of|due\s+to|"
    r"treated\s+for|on|needs?)"
)
_CONDITION = re.compile(
    rf"(?i)\b(?P<c>{_alternation(lex.CONDITIONS)}|\w+(?:{'|'.join(lex.CONDITION_SUFFIXES)}))\b"
)
_JOB = re.compile(
    rf"(?i)\b(?P<j>{_alternation(lex.JOBS)}|\w+(?:{'|'.join(lex.JOB_SUFFIXES)}))\b"
)
_JOB_LINK = re.compile(
    r"(?i)^\s*(?:'m|am|is|'s|was|were|works?\s+(?:as|nights\s+as|part-time\s+as)?|worked\s+as|"
    r"job\s+is|run|runs|ran|own|owns|manage|manages|drive|drives|teach|teaches|serve|serves|"
    r"serving|volunteer|volunteers|,\s*who\s+(?:at\s+the\s+material\s+time\s+)?(?:was|is))\b"
)
_PLACE_AFTER = re.compile(
    r"^(?:\s+(?:nights|part-time|full-time|weekends))?\s+(?:at|in|on|for|with|of|near)\s+"
    r"(?P<place>(?:the\s+)?(?:" + NAME_WORD + r"|[a-z][\w'-]*)(?:\s+(?:of\s+|and\s+|&\s+|on\s+)?"
    r"(?:" + NAME_WORD + r"|academy|school|primary|college|hospital|clinic|surgery|market|"
    r"depot|office|station|branch|club|church|library|mill|farm|garage|pub|shop|centre|"
    r"center|practice|council|prison|court|ward)){0,4})"
)
_VEHICLE = re.compile(
    rf"(?i)\b(?:(?:my|our|his|her|their)(?:\s+[a-z]+'s)?|a|an|the)\s+"
    rf"(?P<mods>(?:(?:{_alternation(lex.COLOURS)}|"
    rf"(?:19|20)\d\d|old|vintage|classic|battered|rusty|bright|dark|light|metallic|"
    rf"restored)\s+){{0,3}})(?P<v>{_alternation(lex.VEHICLE_MAKES)}|"
    rf"{_alternation(lex.VEHICLES)})\b(?P<model>(?:\s+(?:[A-Z0-9][\w-]*|\d+))*)"
    rf"(?P<detail>\s+with\s+[^.;:!?\n,]{{3,40}}?\s+on\s+(?:the\s+)?(?:side|back|front|bonnet|"
    rf"roof|door)s?|,\s+an?\s+(?:(?:19|20)\d\d\s+)?[A-Z][\w-]*(?:\s+[A-Z0-9][\w-]*){{0,2}})?"
)
_DEVICE = re.compile(
    rf"(?i)\b(?P<lead>my|our|his|her|their|I\s+(?:wear|use|need|rely\s+on|communicate\s+"
    rf"(?:with|using|through))\s+(?:an?|my|the)?)\s*(?P<mods>(?:(?:old|new|ancient|battered|"
    rf"spare|white|pink|red|blue|black|gold|rose-gold|purple|cracked|broken)\s+){{0,2}})"
    rf"(?:{_alternation(lex.DEVICE_BRANDS)}\s+)?"
    rf"(?P<d>{_alternation(lex.DEVICES)})\b(?P<model>(?:\s+[a-z]?\d[\w-]*)?)"
    rf"(?P<detail>(?:\s+in\s+both\s+ears|,?\s+the\s+one\s+with\s+[^.;:!?\n]{{3,50}}|"
    rf"\s+with\s+(?:the|a|an|its|my)\s+[^.;:!?\n,]{{3,40}}?(?:skin|sticker|stickers|case|"
    rf"cover|engraving|crack|name|initials|strap|keyring)\b(?:\s+on\s+(?:the\s+)?\w+)?))?"
)
_STRONG_HISTORY = re.compile(
    r"(?i)\b(?:on\s+bail|a\s+ccj|ccjs?|county\s+court\s+judgm?ent|debt\s+collectors?|"
    r"bailiffs|(?:pre-trial\s+)?detention|detained|remanded|in\s+custody|convicted|sentenced|"
    r"in\s+prison|in\s+jail|on\s+probation|on\s+parole|on\s+licence|electronically\s+tagged|"
    r"arrested|evicted|repossessed|declared\s+bankrupt|went\s+bankrupt|made\s+redundant|"
    r"sacked|struck\s+off|disciplinary|pleaded\s+guilty|criminal\s+record|"
    r"(?:customer|member|client)\s+(?:since|for)\s+(?:19|20)\d\d|"
    r"(?:customer|member|client)\s+for\s+(?:over\s+)?\w+\s+(?:years|decades))\b[^.;:!?\n]{0,40}"
)
_COUNTED_HISTORY = re.compile(
    rf"(?i)\b(?:called|rung|rang|phoned|emailed|written|wrote|chased|complained|"
    rf"unsubscribed|cancelled|reported|returned|visited|contacted\s+you|been\s+in\s+touch|"
    rf"been\s+(?:in|into)\s+(?:the\s+)?(?:branch|store|shop))\b[^.;:!?\n]{{0,20}}?"
    rf"\b(?:{_NUMBER}|several|dozens\s+of|countless)\s+times\b(?:\s+(?:since|in|this|over|"
    rf"last)\s+[\w']+(?:\s+\d{{4}})?)?"
)
_SPOKE_TO = re.compile(
    r"\bspoke\s+to\s+[A-Z][a-z]+\s+on\s+\w+day(?:\s*,\s*[A-Z][a-z]+\s+on\s+\w+day)*"
    r"(?:,?\s+and\s+[A-Z][a-z]+\s+(?:on\s+\w+day|this\s+\w+|yesterday|today))"
)
_EVENT_FALSE = re.compile(
    r"(?i)\b(?:app|website|site|page|system|software|update|screen|game|phone|laptop|"
    r"computer|it|this)\s+(?:keeps\s+)?(?:crash|crashes|crashed|crashing)\b"
)


def _span(text: str, start: int, end: int, label: str, score: float) -> SpanCandidate | None:
    return trimmed(text, start, end, label, score, RECOGNIZER, f"clause_{label.lower()}")


def _place_end(text: str, pos: int, limit: int) -> int | None:
    m = _PLACE_AFTER.match(text[pos:limit])
    return pos + m.end() if m else None


def _family(text: str, s: int, e: int) -> Iterator[SpanCandidate]:
    for m in _RELATIVE.finditer(text, s, e):
        limit = min(e, m.end() + WINDOW)
        tail = text[m.end():limit]
        end = None
        age = re.search(
            rf"(?i)^(?:,?\s*(?:\(|who\s+is|who's|who\s+was|who\s+(?:has\s+)?(?:just\s+)?turned|"
            rf"she's|he's|'s|is|are|was|were|aged|,|now|-)\s*(?:just\s+|nearly\s+|almost\s+|only\s+|"
            rf"then\s+|now\s+|all\s+|both\s+)?(?:under\s+|over\s+)?)(?:{_NUMBER})\b"
            rf"(?:\s*(?:and|&|to)\s*{_NUMBER}\b)?", tail)
        # "is 5 months old" (a baby's age); "is 79 years old" is left to the age pattern
        old = age and re.match(r"(?i)\s+(?:months?|weeks?)\s+old", tail[age.end():])
        if age and (old or not _NOT_AN_AGE.match(tail[age.end():])):
            more = old or re.match(r"(?i),\s*[\w\s]{1,20}\)|\)", tail[age.end():])
            end = m.end() + age.end() + (more.end() if more else 0)
        verb = re.search(
            r"(?i)^(?:,?\s*(?:who|that|she|he|she's|he's)?\s*(?:is|'s|are)?\s*)(?:works?|worked|"
            r"lives?|lived|boards?|attends?|attended|starts?|started|studies|studied|goes|went|"
            r"serving|serves|teaches|runs|owns|drives|doing|at\s+uni|at\s+university|"
            r"in\s+a\s+care\s+home|has\s+been\s+in|moved|emigrated|joined)\b[^.;:!?\n]{2,70}",
            tail)
        if verb:
            end = max(end or 0, m.end() + verb.end())
        elif _CONDITION.search(text, m.end(), limit) or _JOB.search(tail[:40] or ""):
            c = _CONDITION.search(text, m.end(), limit)
            if c and c.start() - m.end() < 60 and not (
                    c.group("c").lower() in _AMBIGUOUS_CONDITIONS and not c.group("c").isupper()):
                end = max(end or 0, c.end())
        if end is not None:
            span = _span(text, m.start(), end, "QUASI_FAMILY", BASE_SCORE + 0.1)
            if span:
                yield span


_AMBIGUOUS_CONDITIONS = frozenset({"ms", "me", "add", "als", "ocd", "ibs", "aids", "iva"})


def _condition(text: str, s: int, e: int) -> Iterator[SpanCandidate]:
    for c in _CONDITION.finditer(text, s, e):
        word = c.group("c").lower()
        # short or ambiguous words ("MS", "ME", "ADD") count only written in capitals, right
        # after a verb that gives a condition ("has MS", "diagnosed with ME")
        if word in _AMBIGUOUS_CONDITIONS and not (
                c.group("c").isupper() and re.search(
                    r"(?i)\b(?:has|have|had|got|diagnosed\s+with|suffers?\s+(?:from|with)|"
                    r"living\s+with|lives\s+with)\s+$", text[s:c.start()])):
            continue
        if MODIFIER_USE.match(text, c.end()):
            continue  # "a cancer charity", "the dementia ward": the condition names a thing
        before = text[max(s, c.start() - 70):c.start()]
        anchors = [*_ANCHOR.finditer(before), *_RELATIVE.finditer(before),
                   *NAMED.finditer(before), *AS_A.finditer(before)]
        if not anchors:
            continue
        anchor = max(anchors, key=lambda a: a.start())
        between = before[anchor.end():]
        if not re.search(rf"(?i)\b{_CONDITION_LINK}\b|^\s*$|^\s+(?:is|was|'s)\s+|"
                         r"^'(?:m|s|re)\s+(?:[\w-]+\s+){0,2}$", between):
            continue
        if re.search(r"(?i)\b(?:if|whether|any|anyone|people|customers|staff|advice|"
                     r"information|leaflet)\b", between):
            continue
        start = max(s, c.start() - 70) + anchor.start()
        end = c.end()
        more = re.match(r"(?i)(?:\s+(?:in\s+both\s+\w+|from\s+the\s+waist\s+down|"
                        r"two\s+months\s+earlier|last\s+\w+|in\s+(?:19|20)\d\d))", text[end:e])
        if more:
            end += more.end()
        span = _span(text, start, end, "QUASI_CONDITION", BASE_SCORE + 0.1)
        if span:
            yield span


def _occupation(text: str, s: int, e: int) -> Iterator[SpanCandidate]:
    for a in _ANCHOR.finditer(text, s, e):
        link = _JOB_LINK.match(text[a.end():e])
        if not link:
            continue
        pos = a.end() + link.end()
        window = text[pos:min(e, pos + 60)]
        j = _JOB.search(window)
        if not j or re.search(r"[.;:!?]", window[:j.start()]):
            continue
        phrase = window[:j.start()]
        if len(phrase.split()) > 5:
            continue
        job_end = pos + j.end()
        place = _place_end(text, job_end, e)
        singular = re.search(r"(?i)\b(?:only|sole|first|head|chief|oldest|youngest|last)\b",
                             text[a.start():job_end])
        if place is None and not singular:
            continue
        span = _span(text, a.start(), place or job_end, "QUASI_OCCUPATION",
                     BASE_SCORE + (0.2 if singular else 0.1))
        if span:
            yield span


def _age(text: str, s: int, e: int) -> Iterator[SpanCandidate]:
    for a in _ANCHOR.finditer(text, s, e):
        m = _AGE_AFTER_ANCHOR.match(text[a.end():e])
        if not m:
            continue
        after = text[a.end() + m.end():e]
        if not m.group("unit") and _NOT_AN_AGE.match(after):
            continue
        n = m.group("n")
        if n.isdigit() and not (1 <= int(n) <= 110):
            continue
        yield from filter(None, [_span(text, a.start(), a.end() + m.end(), "QUASI_AGE",
                                       BASE_SCORE)])
    for m in _AGE_STANDALONE.finditer(text, s, e):
        if any(int(n) > 110 for n in re.findall(r"\d+", m.group()) if len(n) < 4):
            continue  # "at 233": a house number, not an age
        yield from filter(None, [_span(text, m.start(), m.end(), "QUASI_AGE", BASE_SCORE)])


def _vehicle(text: str, s: int, e: int) -> Iterator[SpanCandidate]:
    for m in _VEHICLE.finditer(text, s, e):
        v = m.group("v").lower()
        detailed = bool(m.group("mods").strip() or m.group("detail") or (
            m.group("model").strip() and v in lex.VEHICLE_MAKES))
        if not detailed or (v in _AMBIGUOUS_MAKES and not m.group("v")[:1].isupper()):
            continue
        if m.group(0).lower().startswith(("a ", "an ", "the ")) and not (
                m.group("detail") or m.group("model").strip()):
            continue
        span = _span(text, m.start(), m.end(), "QUASI_VEHICLE", BASE_SCORE + 0.1)
        if span:
            yield span


_AMBIGUOUS_MAKES = frozenset({"smart", "seat", "mini", "swift", "man", "triumph", "lotus",
                              "jaguar", "rover", "bailey", "austin", "morris", "daf"})


def _device(text: str, s: int, e: int) -> Iterator[SpanCandidate]:
    for m in _DEVICE.finditer(text, s, e):
        d = " ".join(m.group("d").lower().split())
        if d not in lex.ASSISTIVE and not (m.group("detail") or m.group("model").strip() or
                                           "old" in m.group("mods").lower().split()):
            continue
        span = _span(text, m.start(), m.end(), "QUASI_DEVICE",
                     BASE_SCORE + (0.1 if d in lex.ASSISTIVE else 0.0))
        if span:
            yield span




def _event(text: str, s: int, e: int) -> Iterator[SpanCandidate]:
    for m in lex.EVENT_WORDS.finditer(text, s, e):
        if _EVENT_FALSE.search(text, max(s, m.start() - 25), m.end()):
            continue
        word, stop = m.group().lower(), e
        if word in lex.COMMON_EVENTS:
            # common words: only with a possessive or a person just before
            near = text[max(s, m.start() - 40):m.start()]
            if not re.search(r"(?i)\b(?:my|our|his|her|their|we|I|the\s+applicant)\b", near):
                continue
        before = text[max(s, m.start() - 50):m.start()]
        anchors = list(_ANCHOR.finditer(before)) + list(_RELATIVE.finditer(before))
        if re.search(r"(?i)\b(?:my|our|his|her|their)\b", m.group()):
            start = m.start()  # "lost my job at ...": the event says whose it is
        elif anchors:
            start = max(s, m.start() - 50) + max(anchors, key=lambda a: a.start()).start()
        elif word not in lex.COMMON_EVENTS and re.search(r"(?i)\bthe\s+$", text[s:m.start()]) and (
                after := _ANCHOR.search(text, m.end(), min(e, m.end() + 40))):
            start = m.start() - 4  # "After the burglary last month I had the locks changed"
            stop = after.start()
        else:
            continue
        end = min(stop, m.end() + 45)
        tail = re.match(r"[^.;:!?\n,]*", text[m.end():end])
        end = m.end() + (tail.end() if tail else 0)
        span = _span(text, start, end, "QUASI_EVENT", BASE_SCORE)
        if span:
            yield span


def _history(text: str, s: int, e: int) -> Iterator[SpanCandidate]:
    for pattern in (_STRONG_HISTORY, _COUNTED_HISTORY, _SPOKE_TO):
        for m in pattern.finditer(text, s, e):
            before = text[max(s, m.start() - 45):m.start()]
            anchors = list(_ANCHOR.finditer(before))
            start = m.start()
            if anchors:
                start = max(s, m.start() - 45) + anchors[-1].start()
            elif pattern is not _SPOKE_TO:
                continue
            span = _span(text, start, m.end(), "QUASI_HISTORY", BASE_SCORE)
            if span:
                yield span


_PASSES = (_family, _condition, _occupation, _age, _vehicle, _device, _event, _history)


def find_clauses(text: str) -> list[SpanCandidate]:
    """Implied-identifier phrases found sentence by sentence; overlapping finds of one
    sentence are reduced to the first and longest of each overlapping group."""
    out: list[SpanCandidate] = []
    for s, e in sentences(text):
        found = [span for p in _PASSES for span in p(text, s, e)]
        found.extend(grammar_spans(text, s, e))
        found.extend(register_spans(text, s, e))
        found.sort(key=lambda x: (x.start, -(x.end - x.start)))
        for span in found:
            if out and span.start < out[-1].end and out[-1].start >= s:
                continue
            out.append(span)
    return out
