"""The grammar pass of implied-identifier detection (engine.quasi, after the clause pass).

The phrase patterns and the clause pass know words; this pass knows the shape of a clause about
a person, as court judgments and case notes write it (docs/quasi_identifiers.md, "Judgments and
case files"): a subject that is a particular person (*the applicant*, *he*, *my brother*), a verb
group (*was later*, *had been*), a verb of one of a few kinds (the law: *arrested*, *sentenced*;
work: *taught*, *was employed*; harm: *was shot*, *sustained*; loss: *was destroyed*), an object
and a place phrase with a proper noun or a facility in it (*at the secondary school in Gori*).
It also reads the noun phrases that carry the same facts (*his dismissal in 1999*, *a Turkish
national who was born in 1965*, *a captain in the gendarmerie*). The spaCy pipeline the analyzer
runs has no parser (analyzer.EXCLUDED_PIPES) and `find_quasi` sees only the text, so the clause
shape is read from function words and capitals, sentence by sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from anonymizer.engine import quasi_lexicon as lex
from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_quasi_grammar"
BASE_SCORE = 0.5


def alt(words: frozenset[str]) -> str:
    """A case-blind alternation of lexicon entries (the rest of a pattern keeps its case:
    capitals are what tell a proper noun)."""
    return "(?i:" + "|".join(re.escape(w).replace(r"\ ", r"\s+")
                            for w in sorted(words, key=len, reverse=True)) + ")"


# A particular person as subject, object or possessor.
_ROLE = (r"(?:first\s+|second\s+|third\s+)?(?:applicant|claimant|complainant|defendant|victim|"
         r"deceased|respondent|appellant|petitioner|accused|patient|tenant|customer|caller|"
         r"client|cust|member|detainee|prisoner|suspect|employee|worker|pupil|student|sponsor|"
         r"policyholder|resident|service\s+user|child)s?")
# A role without its article, as case notes write it ("Employee is the night supervisor").
_BARE_ROLE = (r"\b(?<![\w'] )(?<!')(?:[Ee]mployee|[Cc]laimant|[Aa]ppellant|[Cc]lient|[Pp]atient|"
              r"[Cc]ust|[Cc]aller|[Ss]ervice\s+user|[Pp]olicyholder|[Tt]enant)\b")
SUBJECT = (rf"(?:\b(?:I|i|he|she|we|they|He|She|We|They)\b|\b[Tt]he\s+{_ROLE}\b|{_BARE_ROLE}|"
           rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][\w.'-]*(?:\s+[A-Z][\w'-]+)?|"
           rf"\band(?=\s+(?:is|was|has|had|were|are|work|works|worked|teaches|taught|runs|ran)\s)|"
           rf"\b(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir|[Tt]he\s+[a-z]+'s)\s+(?:[\w-]+\s+)?"
           rf"{alt(lex.RELATIVES)}\b)")
OBJECT = rf"(?:\b(?:him|her|them|me|us)\b|\bthe\s+{_ROLE}\b)"
POSSESSOR = rf"(?:\b(?:[Mm]y|[Oo]ur|[Hh]is|[Hh]er|[Tt]heir)|\b[Tt]he\s+{_ROLE}'s)"
# What may stand between a subject and its verb: an apposition, auxiliaries and adverbs.
_VERB_GROUP = (r"(?:\s*,(?:[^,.;:!?\n]{1,70},){1,2})?(?:\s+|(?='))(?:(?:had|has|have|'ve|was|"
               r"were|is|am|'s|'m|'re|'d|are|been|being|got|later|then|eventually|subsequently|"
               r"also|again|recently|"
               r"previously|finally|once|twice|first|never|not|just|already|allegedly|"
               r"reportedly|formally|immediately|initially|repeatedly|only|still|since|"
               r"apparently|currently|now|ever|himself|herself|used\s+to)\s+){0,4}")
# A word of a proper name: a full stop only inside it or after an abbreviation or an initial
# ("St.", "U.K"), never the one that ends the sentence ("in Diyarbakır. The applicant").
NAME_WORD = (r"(?:[A-Z](?:[\w'&-]|\.(?=\w))*(?<=\b[A-Z])\.|[A-Z](?:[\w'&-]|\.(?=\w))*"
             r"(?<=\b[A-Z][a-z])\.|[A-Z](?:[\w'&-]|\.(?=\w))*)")
# A place phrase: a preposition, up to three lower-case words, then a proper noun or a facility.
PLACE = (rf"(?:\s+(?:up|down|over|out|back)\b)?\s+(?:at|in|for|with|of|from|near|above|on|by|"
         rf"outside|inside|around|across)\s+(?:(?:the|a|an|his|her|their|its|your|our|my)\s+)?"
         rf"(?:[a-z][\w'-]*\s+){{0,3}}?(?:{NAME_WORD}(?:\s+(?:of\s+|on\s+|and\s+)?"
         rf"{NAME_WORD})*|{alt(lex.FACILITIES)}\b)")
_TAIL = r"[^.;:!?\n]{0,70}"
_CUT = re.compile(r"(?i)\s+(?:but|although|though|whereas|because|which|who|so\s+that|so|and\s+"
                  r"(?:the|a|an|that|it|this|he|she|they|I|we)\b)\b|,\s+(?:but|which|where|"
                  r"although|whereas|and\s+(?:the|a|he|she|they|I|we)\b)")

_LAW = re.compile(
    SUBJECT + _VERB_GROUP + r"(?P<v>(?:re-?)?arrested|detained|remanded|imprisoned|jailed|"
    r"incarcerated|interned|convicted|court-martiall?ed|sentenced|acquitted|prosecuted|indicted|extradited|"
    r"deported|expelled|charged\s+with|accused\s+of|suspected\s+of|tried\s+(?:in\s+absentia|"
    r"for|by)|released\s+(?:from|on)|taken\s+into\s+(?:police\s+)?custody|held\s+(?:in|at)|"
    r"placed\s+(?:in|under)|transferred\s+to|removed\s+from\s+(?:office|(?:his|her)\s+post)|"
    r"dismissed\s+from|barred\s+from|struck\s+off|disbarred|evicted|classified\s+as|"
    r"put\s+on\s+trial|serving|served|spent\s+\w+\s+(?:years|months)|questioned\s+by\s+(?:the"
    r"\s+)?police|under\s+investigation|on\s+(?:bail|probation|parole|licence)|subject\s+to)\b"
    + _TAIL)
_LAW_ACTIVE = re.compile(
    rf"(?i)\b(?:court|judge|tribunal|prosecutor|police|authorities|officers|gendarmes|"
    rf"soldiers|board|council|ministry|employer|school|university|company|inspectors)\b"
    rf"[^.;:!?\n]{{0,40}}?\b(?P<v>(?:convicted|sentenced|acquitted|arrested|detained|"
    rf"dismissed|sacked|fired|removed|extradited|deported|expelled|prosecuted|released|"
    rf"indicted|suspended|fined)\s+{OBJECT}|charged\s+{OBJECT}\s+with)" + _TAIL)
_LAW_NOUN = re.compile(
    POSSESSOR + r"\s+(?:[\w-]+\s+)?(?:arrest|detention|conviction|convictions|imprisonment|"
    r"dismissal|release|extradition|deportation|expulsion|acquittal|trial|custody|"
    r"incarceration|removal\s+from\s+office|criminal\s+record|prison\s+term|eviction)\b"
    r"(?:\s+(?:in|on|at|from|for|to|by)\s+[^.;:!?\n,]{2,40})?"
    r"|\b(?:criminal|disciplinary|bankruptcy|extradition|deportation|removal)\s+proceedings\s+"
    rf"(?:\w+\s+){{1,3}}against\s+{OBJECT}" + _TAIL +
    r"|\b(?:a|has\s+a|had\s+a|with\s+a)\s+criminal\s+record\b[^.;:!?\n]{0,40}")
_DETAINED_AT = re.compile(
    SUBJECT + r"[^.;:!?\n]{0,50}?\b(?:in|at|to|from)\s+(?:the\s+)?(?:[\w'-]+\s+){0,3}?"
    r"(?:prison|colony|penitentiary|jail|gaol|remand\s+(?:centre|center|prison)|detention\s+"
    r"(?:centre|center|facility)|SIZO|correctional\s+\w+|prison\s+hospital)\b"
    r"(?:\s+(?:in|at|of|no\.?)\s+[^.;:!?\n,]{1,30})?|\bHMP\s+[A-Z]\w+")
_MILITARY = re.compile(
    rf"(?:{POSSESSOR}\s+(?:compulsory\s+|national\s+|mandatory\s+)?(?:military|army|national)\s+"
    rf"service|\bheld\s+the\s+rank\s+of\s+(?:an?\s+)?(?:[\w-]+\s+){{0,2}}?{alt(lex.RANKS)}|"
    rf"\b(?:an?|the)\s+(?:(?:former|retired|young|serving|junior|senior)\s+)?(?:[\w-]+\s+)?"
    rf"{alt(lex.RANKS)}|\bserved(?:\s+as\s+an?\s+[\w-]+(?:\s+[\w-]+)?)?)"
    rf"(?P<unit>(?:\s+(?:in|with|at|near|on)\s+(?:the\s+|a\s+)?(?:[\w'-]+\s+){{0,4}}?"
    rf"(?:{alt(lex.UNITS)}|[A-Z][\w'-]+(?:\s+(?:[A-Z][\w'-]+|{alt(lex.UNITS)}))*)\b)+)")
_WORK_VERB = (r"(?:works?|worked|working|employed|teach(?:es)?|taught|teaching|studying|"
              r"training|lectures?|lectured|"
              r"practis\w+|practic\w+|volunteers?|volunteered|preache[sd]|studie[sd]|farm(?:s|ed)?)")
_WORK = re.compile(
    SUBJECT + _VERB_GROUP + rf"(?P<v>{_WORK_VERB}\b(?:\s+(?:as\s+)?"
    rf"(?:(?:an?|the|his|her|my|our)\s+)?[\w'-]+(?:\s+[\w'-]+){{0,2}}?)??|(?:run|runs|ran|own|owns|owned|manage|manages|managed|"
    rf"keep|keeps|kept|drive|drives|drove)\s+(?:an?|the|his|her|my|our)\s+(?:[\w'-]+\s+)"
    rf"{{0,2}}?(?:{alt(lex.BUSINESSES)}|{alt(lex.VEHICLES)}|\w+ery)\b)" + PLACE)
_JOB_NOUN = rf"(?:{alt(lex.JOBS)}|{alt(lex.ROLE_NOUNS)}|\w+(?:{'|'.join(lex.JOB_SUFFIXES)}))"
_JOB_PHRASE = re.compile(
    rf"(?:,\s*|\b[Aa]s\s+|\b(?:is|was|am|'m|[Ii]m|are|were|been|became|becomes|become|and)\s+)"
    rf"(?:now\s+|still\s+|currently\s+)?(?:an?|the)\s+(?:(?:former|retired|local|senior|junior|"
    rf"chief|head|deputy|assistant|acting)\s+)*(?:[\w-]+\s+){{0,2}}?(?i:{_JOB_NOUN})\b"
    rf"(?:\s+(?:working|employed|based|stationed|serving|practising|practicing|living|up|"
    rf"down|over))?" + PLACE)
_ORIGIN = re.compile(
    rf"(?:\b(?:an?|the)|\b(?:is|are|was|were|be))\s+(?:(?:former|naturalised|naturalized|"
    rf"dual)\s+)?[A-Z][\w'-]+(?:[- ][A-Z][\w'-]+)?\s+(?:national|citizen|subject)s?\b"
    rf"(?!\s+(?:{alt(lex.NOT_NATIONAL)})\b)"
    rf"(?:\s+of\s+(?:[A-Z][\w'-]+\s+)(?:ethnic\s+)?(?:origin|descent|extraction))?"
    rf"(?:,?\s+(?:who\s+(?:was|were)\s+)?born\s+(?:in|on)\s+[^,.;:!?\n]{{0,20}}?(?:19|20)\d\d"
    rf"(?:\s+and\s+(?:19|20)\d\d)?)?(?:\s+respectively)?(?:\s+(?:and|who)\s+(?:lives?|lived|"
    rf"resides?|resided)\s+in\s+[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)?"
    rf"|\b(?:is|are|was|were|being|a\s+\w+|an\s+\w+)\s+of\s+(?:[A-Z][\w'-]+\s+){{1,2}}"
    rf"(?:ethnic\s+)?(?:origin|descent|extraction|ethnicity|heritage|faith|religion)\b"
    rf"|\bof\s+(?:[A-Z][\w'-]+\s+){{1,2}}(?:ethnic\s+)?(?:origin|descent|extraction)\b"
    rf"|\b(?:an?\s+)?ethnic\s+[A-Z][\w'-]+|\ba\s+member\s+of\s+the\s+(?:[A-Z][\w'-]+\s+){{1,3}}"
    rf"(?:community|minority)\b|\b(?:is|am|'m|was|were|are)\s+(?:an?\s+)?(?:(?:practising|"
    rf"practicing|devout|observant|baptised|converted)\s+)?{alt(lex.RELIGIONS)}\b")
_HARM = re.compile(
    SUBJECT + _VERB_GROUP + r"(?:(?:taken|rushed|brought|admitted)\s+to\s+(?:the\s+|a\s+)?"
    r"(?:[\w'-]+\s+){0,3}?(?:hospital|infirmary|clinic|A&E|ward|intensive\s+care)\b|(?:shot|stabbed|wounded|injured|beaten(?:\s+up)?|burned|"
    r"burnt|tortured|paralysed|paralyzed|blinded|hospitali[sz]ed|admitted\s+to|operated\s+on)\b"
    r"|(?:sustained|suffered|received|sustains|suffers)\s+(?:\w+\s+){0,3}?(?:injur(?:y|ies)|"
    r"wounds?|fractures?|burns|bruis(?:es|ing)|concussion|trauma|damage)\b"
    r"|lost\s+(?:the\s+(?:sight|hearing|use)\s+(?:of|in)\s+(?:his|her|my|their|one|both)|"
    r"(?:his|her|my|their|both))\s+(?:(?:left|right)\s+)?(?:hands?|arms?|legs?|eyes?|feet|foot|"
    r"ears?|fingers?|sight|hearing)"
    r"|(?:had|has|have)\s+(?:an?\s+)?(?:\w+\s+){0,2}?(?:fractured|broken|dislocated|perforated|"
    r"burst|crushed)\s+\w+)" + r"[^.;:!?\n]{0,40}")
_FINDING = re.compile(
    r"(?i)\b(?:doctors?|medical\s+(?:report|certificate|examination|expert|records?)|forensic"
    r"\s+\w+|examination|x-rays?|scans?)\b[^.;:!?\n]{0,60}?\b(?:found|noted|recorded|showed|"
    r"revealed|established|diagnosed|confirmed|certified|reported)\b[^.;:!?\n]{0,50}?\b"
    r"(?:bruis\w+|fractur\w+|wounds?|injur\w+|ha?ematomas?|abrasions?|lesions?|scars?|burns|"
    r"broken\s+\w+|perforated\s+\w+|swelling|contusions?|concussion|grazes)\b[^.;:!?\n]{0,30}")
_PROPERTY = rf"(?:{alt(lex.PROPERTY)}|\w+(?:house|houses|home|shop|yard))"  # farmhouse
_LOSS_VERB = alt(lex.LOSS_VERBS)
_LOSS = re.compile(
    POSSESSOR + rf"\s+(?:[\w'-]+\s+){{0,2}}?{_PROPERTY}\b[^.;:!?\n]{{0,50}}?\b(?:was|were|"
    rf"had\s+been|has\s+been|got|been)\s+(?:\w+ly\s+)?{_LOSS_VERB}\b" + r"[^.;:!?\n,]{0,40}"
    rf"|\b{_LOSS_VERB}\s+{POSSESSOR}\s+(?:[\w'-]+\s+){{0,2}}?{_PROPERTY}\b"
    r"[^.;:!?\n,]{0,30}"
    rf"|\b{_LOSS_VERB}\b[^.;:!?\n]{{0,60}}?,?\s+including\s+(?:his|hers|theirs|ours|mine|"
    rf"the\s+applicants?'s?)\b")
_FATE = re.compile(
    SUBJECT + r"[^.;:!?\n]{0,40}?\b(?:disappeared|went\s+missing|(?:was|were)\s+never\s+seen\s+"
    r"again|never\s+returned|passed\s+away|(?:was|were)\s+(?:killed|murdered|abducted|"
    r"kidnapped|taken\s+away))\b[^.;:!?\n,]{0,30}"
    rf"|\btook\s+{OBJECT}\s+away\b[^.;:!?\n,]{{0,40}}")

_NUMBER = (r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
           r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|"
           r"fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|"
           r"eight|nine))?")
_ORDINAL = (r"(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|"
            r"ninth|tenth|eleventh|twelfth)")
_AGE_END = r"(?=\s*(?:[,.;!?)]|$|\s+(?:and|years|yrs|y/o|yo|now|so|but|with|can|i|I)\b))"
# Tickets: how long or how often a person has dealt with the organisation, an age said plainly.
_TENURE = re.compile(
    rf"(?i)\b(?:I|we)(?:'ve|'d|\s+have|\s+had)?\s+been\s+(?:(?:a|an)\s+)?(?:(?:loyal|"
    rf"paying)\s+)?(?:customer|member|client|subscriber|patient|tenant|user)\s+(?:of\s+"
    rf"(?:[\w'-]+\s+){{1,3}}?)?(?:since|for)\s+[^.;:!?\n]{{2,30}}"
    rf"|\b(?:I|we)(?:'ve|'d|\s+have|\s+had)?\s+been\s+with\s+(?:you|your\s+\w+|us|them)\s+"
    rf"(?:for\s+)?(?:over\s+|nearly\s+|almost\s+)?{_NUMBER}\s+(?:years|months|decades)"
    rf"|\b(?:(?:this\s+is|it's|its)\s+(?:the\s+|my\s+)?)?{_ORDINAL}\s+time\s+(?:that\s+)?"
    rf"(?:I'm|I\s+am|I've|I\s+have|we're|we've|im)\s+(?:\w+\s+)?(?:writ|call|ring|phon|email|"
    rf"contact|chas|complain|ask|report|messag)\w*")
_PLAIN_AGE = re.compile(
    rf"\b(?:[Ii]m|[Ii]'m)\s+(?:\d{{1,2}}|{_NUMBER})\b{_AGE_END}"
    rf"|(?i:\bI\s+have\s+{_NUMBER}\s+years\b)(?!\s+(?:of|experience|ago|with|in|warranty))"
    rf"|\b(?i:(?:the\s+)?(?:customer|caller|client|cust|patient|tenant|user|account\s+holder))"
    rf"\s+(?:is|was|'s|aged|age)\s+(?:now\s+|nearly\s+|almost\s+|over\s+)?\d{{1,3}}\b{_AGE_END}")
_NOT_A_PLACE = (r"(?:January|February|March|April|May|June|July|August|September|October|"
                r"November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
                r"Christmas|Easter|Ramadan|Diwali|I\b)")
_KIN = (rf"{POSSESSOR}\s+(?:(?:little|big|older|younger|elder|baby|twin|eldest|youngest|only)\s+)?"
        rf"{alt(lex.RELATIVES)}")
_KIN_DETAIL = re.compile(
    _KIN + rf"(?:\s+(?:in|at|from|near)\s+(?!{_NOT_A_PLACE})(?:the\s+)?[A-Z][\w'-]+"
    rf"(?:\s+[A-Z][\w'-]+)*"
    rf"|\s+(?:(?:has|have)\s+)?(?:just\s+|recently\s+)?(?:turned|turns|turning|will\s+be|"
    rf"is\s+turning)\s+{_NUMBER}\b"
    rf"|\s+(?:is|are|'s|was|were)\s+(?:now\s+|still\s+)?(?:at|in)\s+(?:the\s+)?(?!{_NOT_A_PLACE})"
    rf"(?:[A-Z][\w'-]+\s+)*(?:{alt(lex.FACILITIES)}\b|[A-Z][\w'-]+)"
    rf"|\s*,\s+(?:then|now|formerly|at\s+the\s+time)\s+(?:an?|the)\s+[\w-]+(?:\s+[\w-]+)?"
    rf"{PLACE}"
    rf"|\s+(?:is|are|'s)\s+(?:now\s+)?in\s+(?:year|grade|class|form|primary|reception|"
    rf"nursery|sixth\s+form)\b[^.;:!?\n,]{{0,30}})")


def word_end(text: str, end: int) -> int:
    """`end` moved to the end of the word it falls in: a pattern's fixed-length tail
    ("[^.]{0,70}") must not end a phrase inside a word ("the Istanbul Security Direct")."""
    while 0 < end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    return end


def trimmed(text: str, start: int, end: int, label: str, score: float, recognizer: str,
            pattern: str, cut: re.Pattern[str] | None = None) -> SpanCandidate | None:
    """A phrase found by a pass (the clause, grammar and register passes share this): to the
    end of its word, cut at the first clause boundary `cut` finds past its start, without
    the spaces and punctuation at its edges; None when under four characters are left."""
    end = word_end(text, end)
    if cut is not None:
        m = cut.search(text, start + 8, end)
        if m:
            end = m.start()
    while end > start and text[end - 1] in " \t\r\n,.;:!?)('\"":
        end -= 1
    while start < end and text[start] in " \t,(":
        start += 1
    if end - start < 4:
        return None
    return SpanCandidate(start, end, label, round(score, 3), recognizer, pattern_name=pattern)


def _span(text: str, start: int, end: int, label: str, score: float,
          cut: bool = True) -> SpanCandidate | None:
    return trimmed(text, start, end, label, score, RECOGNIZER, f"grammar_{label.lower()}",
                   _CUT if cut else None)


_PASSES: tuple[tuple[re.Pattern[str], str, float], ...] = (
    (_ORIGIN, "QUASI_ORIGIN", BASE_SCORE),
    (_LAW, "QUASI_HISTORY", BASE_SCORE + 0.1),
    (_LAW_ACTIVE, "QUASI_HISTORY", BASE_SCORE + 0.1),
    (_LAW_NOUN, "QUASI_HISTORY", BASE_SCORE),
    (_DETAINED_AT, "QUASI_HISTORY", BASE_SCORE),
    (_MILITARY, "QUASI_OCCUPATION", BASE_SCORE + 0.1),
    (_WORK, "QUASI_OCCUPATION", BASE_SCORE + 0.1),
    (_JOB_PHRASE, "QUASI_OCCUPATION", BASE_SCORE + 0.1),
    (_HARM, "QUASI_CONDITION", BASE_SCORE + 0.1),
    (_FINDING, "QUASI_CONDITION", BASE_SCORE),
    (_LOSS, "QUASI_EVENT", BASE_SCORE),
    (_FATE, "QUASI_EVENT", BASE_SCORE),
    (_TENURE, "QUASI_HISTORY", BASE_SCORE),
    (_PLAIN_AGE, "QUASI_AGE", BASE_SCORE),
    (_KIN_DETAIL, "QUASI_FAMILY", BASE_SCORE + 0.1),
)
VERB_GROUP = _VERB_GROUP
_PERSON_NEAR = re.compile(rf"{SUBJECT}|{OBJECT}|{POSSESSOR}")


def grammar_spans(text: str, s: int, e: int) -> Iterator[SpanCandidate]:
    """Implied-identifier phrases of the sentence text[s:e] read from the clause shape."""
    for pattern, label, score in _PASSES:
        for m in pattern.finditer(text, s, e):
            if pattern is _FINDING and not _PERSON_NEAR.search(text, s, e):
                continue
            start = m.start("v") if pattern is _LAW_ACTIVE else m.start()
            span = _span(text, start, m.end(), label, score,
                         cut=pattern is not _ORIGIN and pattern is not _MILITARY)
            if span:
                yield span
