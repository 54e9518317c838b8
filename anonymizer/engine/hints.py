"""Review hints that a rule confirms: a capitalised word no recognizer explained becomes part
of a detection when it continues one ("Krisztián Szöllösy" after a known first name, "Southern
Tunisia", "Exversion Orchestra") or follows a word that introduces a name or a place.

The rest stay hints (`labels.is_hint`): they keep a record out of auto-clear in a risky spot
(see risk.py) and are shown to reviewers, but are no detections.
"""

from __future__ import annotations

import re

from anonymizer.engine.labels import is_hint
from anonymizer.engine.textscan import word_set
from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_hints"
CONFIRMED_SCORE = 0.5  # below the risk step's low-confidence score: a person still looks
_NAME_LIKE = frozenset({"PERSON", "LOCATION", "ORGANIZATION", "NRP"})
# A hint after one of these words is a name or a place: (label, words).
_CUES = (
    ("PERSON", r"named|called|calls?\s+me|name\s+is|(?:first|last|sur|given|family)\s*name\??:?|"
               r"dear|mr\.?|mrs\.?|ms\.?|dr\.?|by|with"),
    ("LOCATION", r"in|from|near|at|to|outside|around"),
)
_CUE_RES = tuple(
    (label, re.compile(r"(?i)(?<![\w'])(?:" + words + r")[ ]$")) for label, words in _CUES
)


def _gap_ok(text: str, start: int, end: int, label: str) -> bool:
    gap = text[start:end]
    return gap == " " or (label == "LOCATION" and gap == ", ")


def _extend(text: str, spans: list[SpanCandidate]) -> list[SpanCandidate]:
    """Hints next to a name-like detection become part of it, in both directions."""
    out = list(spans)
    changed = True
    while changed:
        changed = False
        for i in range(len(out) - 1):
            a, b = out[i], out[i + 1]
            if is_hint(a.label) == is_hint(b.label):
                continue
            det, hint = (b, a) if is_hint(a.label) else (a, b)
            if det.label not in _NAME_LIKE or not _gap_ok(text, a.end, b.start, det.label):
                continue
            # the hinted part is a guess: the whole span is only as sure as a confirmed hint
            grown = det.over(a.start, b.end)
            out[i:i + 2] = [SpanCandidate(grown.start, grown.end, det.label,
                                          min(det.score, CONFIRMED_SCORE), det.recognizer,
                                          det.pattern_name, det.context_word, det.validated)]
            del hint
            changed = True
            break
    return out


_AND = re.compile(r"^(?:,[ ]|[ ](?:and|or|&)[ ]|,[ ](?:and|or)[ ])$")


def _coordinated(text: str, spans: list[SpanCandidate]) -> list[SpanCandidate]:
    """'Nekolná and Pearson', 'Opencounter, Pave': a hint listed beside a name-like detection
    takes its type."""
    out = list(spans)
    for i, hint in enumerate(out):
        if not is_hint(hint.label):
            continue
        for j in (i - 1, i + 1):
            if not 0 <= j < len(out) or out[j].label not in _NAME_LIKE:
                continue
            other = out[j]
            gap = text[other.end:hint.start] if j < i else text[hint.end:other.start]
            if _AND.match(gap):
                out[i] = SpanCandidate(hint.start, hint.end, other.label, CONFIRMED_SCORE,
                                       RECOGNIZER, "hint_coordinated")
                break
    return out


def _by_cue(text: str, hint: SpanCandidate) -> SpanCandidate:
    before = text[max(0, hint.start - 16):hint.start]
    for label, cue in _CUE_RES:
        if cue.search(before):
            return SpanCandidate(hint.start, hint.end, label, CONFIRMED_SCORE, RECOGNIZER,
                                 "hint_after_cue")
    return hint


# A line that is only a name: optional quote markers or a bullet, then two or three words.
_NAME_LINE = re.compile(r"(?m)^[ \t>*•-]*(\w[\w'’-]*(?:[ ]\w[\w'’-]*){1,2})[ \t]*$")


def _name_lines(text: str, spans: list[SpanCandidate]) -> list[SpanCandidate]:
    """Hints that, with at most one PERSON span, make up a whole line of two or three
    capitalised words (">Oline Mikaelsen", a signature): one PERSON span over the line."""
    if "\n" not in text:
        return spans
    out = list(spans)
    for m in _NAME_LINE.finditer(text):
        start, end = m.span(1)
        inside = [s for s in out if start <= s.start and s.end <= end]
        covered = sum(s.end - s.start for s in inside) + len(m.group(1).split()) - 1
        words = m.group(1).split()
        if covered != end - start or not all(w[0].isupper() for w in words) or not any(
            is_hint(s.label) for s in inside
        ) or any(not is_hint(s.label) and s.label != "PERSON" for s in inside):
            continue
        out = [s for s in out if s not in inside]
        out.append(SpanCandidate(start, end, "PERSON", CONFIRMED_SCORE, RECOGNIZER, "name_line"))
    return sorted(out, key=lambda s: (s.start, s.end))


# A speaker label in a transcript or a script: a capitalised word and a colon at the start of
# a line or after a sentence ("Vinka: What a wife. Lisa: Remember me?").
_SPEAKER = re.compile(
    r"(?:^|(?<=\n)|(?<=[.!?\"”)][ ]))[ \t]*([A-Z][^\W\d_][\w'’-]*):(?=[ \t\"“'])"
)
# Labels that name a role or a field, not a person.
_ROLES = word_set("""
agent customer user bot client caller operator support staff me you we they q a note notes
subject re date time when where what who why how update name email phone address reply answer
question system admin assistant moderator host guest interviewer interviewee speaker narrator
rep representative advisor adviser engineer manager team tech technician chat summary status
priority order account ticket case issue resolution action outcome warning error info tip ps
edit source yes no fyi nb""")


def _speakers(text: str, spans: list[SpanCandidate]) -> list[SpanCandidate]:
    """In a dialogue where one speaker label is a PERSON span, the other speaker labels are
    names too: uncovered ones (or hints) become PERSON at the confirmed-hint score."""
    if ":" not in text:
        return spans
    labels = [m.span(1) for m in _SPEAKER.finditer(text)
              if m.group(1).lower() not in _ROLES]
    if len({text[a:b] for a, b in labels}) < 2:
        return spans

    def covering(a: int, b: int) -> SpanCandidate | None:
        return next((s for s in spans if s.start <= a and b <= s.end), None)

    if not any((c := covering(a, b)) is not None and c.label == "PERSON" for a, b in labels):
        return spans
    out = list(spans)
    for a, b in labels:
        c = covering(a, b)
        if c is not None and not is_hint(c.label):
            continue
        if any(s.start < b and a < s.end and not is_hint(s.label) for s in out):
            continue  # a detection overlaps part of it: leave that one to the merge
        out = [s for s in out if not (s.start < b and a < s.end)]
        out.append(SpanCandidate(a, b, "PERSON", CONFIRMED_SCORE, RECOGNIZER, "speaker_label"))
    return sorted(out, key=lambda s: (s.start, s.end))


def confirm_hints(text: str, spans: list[SpanCandidate]) -> list[SpanCandidate]:
    """Merged, sorted, disjoint spans with the hints that rules confirm turned into
    detections; still sorted and disjoint."""
    spans = _speakers(text, spans)
    if not any(is_hint(s.label) for s in spans):
        return spans
    extended = _coordinated(text, _extend(text, _name_lines(text, spans)))
    return [_by_cue(text, s) if is_hint(s.label) else s for s in extended]
