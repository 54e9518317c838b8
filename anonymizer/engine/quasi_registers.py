"""The register pass of implied-identifier detection (engine.quasi, beside the grammar pass).

Insurance claims, HR and social-care case notes, health and school admin, housing complaints,
benefit applications, immigration summaries and witness statements say the same facts as
tickets and judgments in other clause shapes (docs/quasi_identifiers.md). This pass reads a few
of those shapes, each from a person as subject (`quasi_grammar.SUBJECT`) through a verb group:

- a person named by what they do, where: an agent noun (*supervisor*, *adviser*, *miner*: a job
  word or a word ending as job words do) or any title at a named institution (*the SENCo at Marsh
  Lane Academy*), a year of a course (*in the second year of the MSc*), *employed ... as a*;
- dealings counted (*has raised three grievances*, *reported the damp six times since October*,
  *the second time my card has been cloned*) and dealings that lasted (*have been on Universal
  Credit since 2019*, *had worked there for 17 years*, *known to the service since 2015*);
- what the institutions did to the person outside a court (*received a final written warning*,
  *was suspended from the course*, *entered the UK on a student visa*, *overstayed*);
- a move with a place and a date (*left Asmara in 2016*), an injury to a part of the body
  (*fell from a platform, breaking both wrists*), an origin said with a person noun (*a Hazara
  woman*).

Word classes (agent-noun endings, dealings, body parts) are in `quasi_lexicon`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from anonymizer.engine import quasi_lexicon as lex
from anonymizer.engine.quasi_grammar import NAME_WORD, PLACE, SUBJECT, VERB_GROUP, alt, trimmed
from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_quasi_register"
BASE_SCORE = 0.5


_NUMBER = (r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
           r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|"
           r"fifty|sixty|seventy|eighty|ninety|several|numerous|multiple|a\s+dozen)"
           r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?")
_ORDINAL = (r"(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|"
            r"ninth|tenth|eleventh|twelfth|final|last)")
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|"
          r"December)")
_DATE = rf"(?:(?:\d{{1,2}}\s+)?{_MONTH}(?:\s+(?:19|20)\d\d)?|(?:19|20)\d\d)"
# A period of time that makes a count or a tenure particular.
_WHEN = (rf"(?:\s+(?:since|in|this|last|over|during|within)\s+(?:the\s+(?:last|past)\s+)?"
         rf"(?:{_DATE}|{_NUMBER}\s+(?:years?|months?|weeks?)|one\s+\w+|year|month|week|summer|"
         rf"winter|spring|autumn|term|[a-z]+day|last\s+\w+))")
_DURATION = (rf"(?:since\s+(?:{_DATE}|(?:I|we|he|she|they|my|our|his|her|their)\s+[\w' ]{{2,30}}|"
             rf"childhood|birth|"
             rf"(?:the\s+)?(?:early|late|mid)[- ]?(?:19|20)?\d0s)|for\s+(?:over\s+|nearly\s+|"
             rf"almost\s+|more\s+than\s+|about\s+|the\s+(?:past|last)\s+)?(?:{_NUMBER}\s+"
             rf"(?:years|decades|months)|(?:a|one|over\s+a)\s+(?:decade|year)|many\s+years)"
             rf"(?:\s+now)?)")
# A copula or a verb that says what a person is or does for a living.
_COPULA = (r"(?:\s*'(?:m|s|re)|\s+(?:is|am|are|was|were|be|been|became|becomes|"
           r"(?:has|have|had|'ve)\s+been|works?\s+as|worked\s+as|trained\s+as|qualified\s+as|"
           r"served\s+as|started\s+as))(?:\s+(?:now|still|currently|also|then|formerly|once))?")
_STOP = alt(lex.NOT_AGENTS)
_AGENT = (rf"(?:(?!{_STOP}\b)(?:{alt(lex.JOBS)}|[a-z][\w-]*(?:{'|'.join(lex.AGENT_ENDINGS)})|"
          rf"[A-Z]{{2,}}[a-z]?[A-Z]?[a-z]?))")
_INSTITUTION = (rf"(?:the\s+)?{NAME_WORD}(?:\s+{NAME_WORD}){{0,4}}\s+"
                rf"(?:{alt(lex.FACILITIES)}|{alt(lex.INSTITUTIONS)})\b")
_JOB_AT = re.compile(
    SUBJECT + _COPULA + r"\s+(?:an?|the)\s+(?:(?:only|sole|one\s+of\s+(?:two|three|the|a\s+few)|"
    r"head|chief|lead|senior|deputy|acting|former|retired|new|local)\s+)*"
    rf"(?:[\w'-]+\s+){{0,3}}?(?:{_AGENT}(?:s)?(?:\s+(?:and\s+)?(?:work|works|worked|based|"
    rf"employed|stationed|working)|\s+(?:covering|serving|running|managing|who\s+(?:lives|"
    rf"works|is\s+based))(?:\s+[\w'-]+){{0,4}}?)?(?:{PLACE}|\s+in\s+the\s+[a-z]+\s+"
    rf"(?:department|team|unit|ward|office))|[\w-]+\s+(?:at|of|for)\s+{_INSTITUTION})")
_COURSE_YEAR = re.compile(
    SUBJECT + _COPULA + rf"\s+in\s+(?:my|his|her|their|the)\s+{_ORDINAL}\s+year\s+(?:of|at)\s+"
    r"[^.,;:!?\n]{3,50}")
_EMPLOYED_AS = re.compile(
    SUBJECT + VERB_GROUP + r"(?:employed|engaged|hired|recruited|taken\s+on|contracted)\s+"
    r"(?:by\s+(?:the\s+|an?\s+)?[\w'&-]+(?:\s+[\w'&-]+){0,3}?\s+)?as\s+(?:an?|the)\s+"
    rf"(?:[\w-]+\s+){{0,2}}?{_AGENT}\b(?:\s+(?:from|since|between|until|in)\s+[^.,;:!?\n]{{2,25}})?")
_COUNTED = re.compile(
    SUBJECT + VERB_GROUP + rf"(?:\w+ed|rang|rung|wrote|written|made|had|got|sent|been)\b"
    rf"[^.;:!?\n]{{0,45}}?\b(?:{_NUMBER}\s+(?:(?:{alt(lex.DEALINGS)})\b(?:{_WHEN})?|times\b"
    rf"{_WHEN})|every\s+(?:single\s+)?(?:day|week|morning|evening){_WHEN})"
    r"(?:\s+(?:for|about|against|over)\s+[^.,;:!?\n]{2,35})?")
_NTH_TIME = re.compile(
    rf"(?i:\b(?:this\s+is\s+|it'?s\s+|that'?s\s+)?the\s+{_ORDINAL}\s+time\s+(?:that\s+)?"
    rf"(?:my|our|his|her|their|I|we|he|she|they)\b[^.;:!?\n]{{0,40}}?"
    rf"\b(?:\w+ed|been\s+\w+|had\s+to\s+\w+)\b(?:{_WHEN})?)")
_TENURE_VERB = (r"(?:been\s+(?:on|with|in|at|under|registered\s+with|known\s+to|living\s+in|"
                r"working\s+(?:at|for|in)|a\s+\w+\s+(?:at|of|with))|worked|lived|rented|served|"
                r"banked|stayed|studied|taught|volunteered|attended|farmed|owned|ran|run|"
                r"had\s+(?:the\s+same|this|that|my|our|his|her)|"
                r"supported|cared\s+for|looked\s+after|been\s+(?:homeless|unemployed|"
                r"out\s+of\s+work|in\s+(?:foster\s+)?care|sofa[- ]surfing|off\s+sick|"
                r"(?:an?|the)\s+(?:[\w-]+\s+){0,3}?[a-z]+(?:er|or|ist|ant|ent|ian|ee)|"
                r"signed\s+off|self-employed|retired|widowed|divorced|separated|sober|clean))")
_TENURE = re.compile(
    SUBJECT + VERB_GROUP + _TENURE_VERB + rf"\b[^.;:!?\n]{{0,50}}?\s+{_DURATION}"
    rf"|(?<![\w'] )(?<![\w'])[Bb]een\s+(?:with|on|an?)\s+[^.;:!?\n]{{1,30}}?\s+{_DURATION}"
    rf"|(?<![\w'] )(?<![\w'])[Kk]nown\s+to\s+(?:the\s+|our\s+)?[\w -]{{2,30}}?\s+{_DURATION}")
_SANCTION = re.compile(
    SUBJECT + VERB_GROUP + r"(?:(?:received|given|issued\s+with|handed|served\s+with)\s+"
    r"(?:an?|his|her|their|my)\s+(?:[\w-]+\s+){0,3}?(?i:" + "|".join(sorted(lex.SANCTIONS))
    + r")\b(?!\s+(?:message|sign|light|e-?mail|notification|pop-?up|screen|text|letter))"
    r"|(?:has|have|had|got|'s\s+got)\s+(?:an?|two|three|several|previous)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:restraining\s+order|injunction|community\s+order|criminal\s+record|ccj|convictions?|"
    r"cautions?)\b|(?:suspended|excluded|expelled|banned|disqualified|withdrawn|barred|sent\s+down)\s+"
    r"from\s+(?:the\s+|his\s+|her\s+|my\s+)?(?:[\w-]+\s+){0,3}?(?:"
    + "|".join(sorted(lex.FACILITIES | lex.COURSES)) + r")"
    r"|stopped\s+and\s+searched|taken\s+into\s+(?:[\w-]+\s+){0,2}?care|overstayed(?:\s+(?:his|her|their|my)\s+visa)?|cautioned\s+for"
    r"|entered\s+(?:the\s+)?(?:UK|United\s+Kingdom|country|[A-Z][\w-]+)\s+(?:illegally|"
    r"clandestinely|unlawfully|on\s+an?\s+[\w\s-]{2,25}?visa|hidden|in\s+the\s+back\s+of))"
    + rf"\b(?:{_WHEN})?[^.;:!?\n]{{0,40}}")
_MOVE = re.compile(
    rf"(?:{SUBJECT}|\bwho\b)" + VERB_GROUP + r"(?:fled|left|escaped(?:\s+from)?|emigrated\s+"
    r"from|came\s+to|arrived\s+in|travelled\s+to|was\s+smuggled\s+(?:in)?to|moved\s+to)\s+"
    rf"(?:the\s+)?{NAME_WORD}(?:\s+{NAME_WORD}){{0,2}}\s+(?:in|on)\s+{_DATE}\b[^.;:!?\n]{{0,50}}")
_SIGNED_OFF = re.compile(
    SUBJECT + VERB_GROUP + r"(?:signed\s+off|off\s+(?:work\s+)?sick|"
    r"on\s+(?:medical|maternity|paternity|adoption|compassionate|long-term\s+sick|"
    r"sick)\s+leave|(?:unable|not\s+able|too\s+ill)\s+to\s+(?:work|walk|drive|stand|"
    r"leave\s+the\s+house|go\s+out))\b(?:\s+work)?(?:\s+(?:with|due\s+to|because\s+of|after|"
    r"following|since|for)\s+[^.,;:!?\n]{2,40})?")
_SERVICE = re.compile(
    SUBJECT + VERB_GROUP + r"(?:conscripted|drafted|enlisted|called\s+up|joined\s+up|joined)\s+"
    rf"(?:into\s+|in\s+)?(?:the\s+)?(?:[\w'-]+\s+){{0,2}}?{alt(lex.UNITS)}\b"
    rf"(?:\s+(?:in|at)\s+[^.,;:!?\n]{{2,25}})?")
_BELIEF = re.compile(
    SUBJECT + _COPULA + r"\s+(?:an?\s+)?(?:(?:former|active|prominent|leading|founding|"
    r"long-standing)\s+)?(?:member|supporter|activist|leader|organiser|organizer)\s+of\s+"
    r"(?:the\s+|an?\s+)?(?:[\w'-]+\s+){0,4}?(?:party|movement|front|congregation|church|sect|"
    r"opposition|union|brotherhood|community)\b")
_BORN = re.compile(
    r"(?i)\bborn\s+(?:prematurely|premature|(?:\w+\s+)?weeks\s+early|early|at\s+\d{2}\s+weeks|"
    r"with\s+(?:an?\s+)?[\w' -]{3,30}?(?=[.,;:!?\n]|\s+and\b|$))")
_AT_AGE = re.compile(rf"(?i)\bat\s+the\s+age\s+of\s+{_NUMBER}\b(?!\s*%)")
_PARENT_OF = re.compile(
    rf"(?i)\b(?:(?:single|lone|widowed|working|stay-at-home|full-time)\s+)?(?:mum|mom|dad|"
    rf"mother|father|parent|grandparent|gran|grandma|grandad|carer)\s+(?:of|to|with)\s+"
    rf"(?:{_NUMBER}|twins|triplets)\s+(?:(?:little|young|small|grown-up|teenage|disabled)\s+)?"
    rf"{alt(lex.RELATIVES)}?\s*(?:aged|under|over|between|all\s+under)\s+{_NUMBER}\b"
    rf"(?:\s*(?:and|to|-)\s*{_NUMBER}\b)?")
_BODY = alt(lex.BODY_PARTS)
_INJURY = re.compile(
    r"(?i)\b(?:(?:fell|falling|fallen|slipped|tripped|was\s+knocked\s+(?:down|over|off)|came\s+"
    r"off)\b[^.;:!?\n]{0,50}?,?\s+)?\b(?:broke|broken|breaking|fractured|fracturing|dislocated|"
    r"dislocating|injured|injuring|hurt|hurting|sprained|spraining|tore|torn|tearing|crushed|"
    r"crushing|damaged|damaging)\s+(?:(?:my|his|her|their|both|one\s+of\s+(?:my|his|her|their))"
    rf"\s+)(?:(?:left|right|lower|upper)\s+)?{_BODY}\b")
_ORIGIN_PERSON = re.compile(
    rf"\b(?:is|are|was|were|as|being)\s+(?:an?\s+)?(?:(?:young|elderly|older|single|"
    rf"practising|devout)\s+)?(?!{_MONTH}\b)[A-Z][a-z][\w'-]+(?:[- ][A-Z][\w'-]+)?\s+"
    rf"(?:{alt(lex.PERSON_NOUNS)})\b(?:\s+(?:from|of)\s+(?:the\s+)?{NAME_WORD}"
    rf"(?:\s+{NAME_WORD})*(?:\s+(?:province|region|district|village))?)?")

# Condition anchors (engine.quasi_clauses): a person named in a case note as the subject of a
# condition ("Amira has", "Mr Haddad is"), "as a (wheelchair user)"; and a condition word that
# names a thing, not a person's condition ("a cancer charity").
NAMED = re.compile(r"\b(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+)?[A-Z][a-z][\w'-]*"
                    r"(?=\s+(?:has|had|is|was|suffers|lives)\b)")
MODIFIER_USE = re.compile(
    r"(?i)\s+(?:charity|charities|research|support\s+group|nurses?|ward|unit|screening|"
    r"awareness|services?|clinic|fund|appeal|campaign|team|leaflet|helpline|centre|center|"
    r"society|trust|specialist|partnership|patients|sufferers)\b")
AS_A = re.compile(r"(?i)\bas\s+(?:an?|someone\s+(?:with|who\s+(?:has|is))|a\s+person\s+with)\b")

def _gate(words: str) -> re.Pattern[str]:
    """A cheap test for a word a pass needs: a sentence without it is not read by the pass."""
    return re.compile(rf"(?i)\b(?:{words})")


_ANY = re.compile("")
# (pattern, label, score, gate)
_PASSES: tuple[tuple[re.Pattern[str], str, float, re.Pattern[str]], ...] = (
    (_JOB_AT, "QUASI_OCCUPATION", BASE_SCORE + 0.1, _ANY),
    (_COURSE_YEAR, "QUASI_OCCUPATION", BASE_SCORE, _gate(r"year\s+(?:of|at)")),
    (_EMPLOYED_AS, "QUASI_OCCUPATION", BASE_SCORE + 0.1,
     _gate("employed|engaged|hired|recruited|taken|contracted")),
    (_COUNTED, "QUASI_HISTORY", BASE_SCORE, _gate("times|every|" + "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in lex.DEALINGS))),
    (_NTH_TIME, "QUASI_HISTORY", BASE_SCORE, _gate(r"time\b")),
    (_TENURE, "QUASI_HISTORY", BASE_SCORE, _gate(r"since|for\s+(?:\S+\s+){1,3}?(?:years|"
                                                  r"decades|months)")),
    (_SANCTION, "QUASI_HISTORY", BASE_SCORE + 0.1, _gate(
        "received|given|issued|handed|served|suspended|excluded|expelled|banned|disqualified|"
        "withdrawn|barred|sent|stopped|taken|overstayed|cautioned|entered|has|have|had|got|'s")),
    (_MOVE, "QUASI_EVENT", BASE_SCORE, _gate(
        "fled|left|escaped|emigrated|came|arrived|travelled|was smuggled|moved")),
    (_INJURY, "QUASI_CONDITION", BASE_SCORE + 0.1, _gate(_BODY)),
    (_SIGNED_OFF, "QUASI_CONDITION", BASE_SCORE, _gate("signed|sick|leave|unable|not able|"
                                                      "too ill")),
    (_AT_AGE, "QUASI_AGE", BASE_SCORE, _gate(r"age\s+of")),
    (_SERVICE, "QUASI_OCCUPATION", BASE_SCORE, _gate("conscripted|drafted|enlisted|called|"
                                                     "joined")),
    (_BELIEF, "QUASI_ORIGIN", BASE_SCORE, _gate("member|supporter|activist|leader|organi")),
    (_BORN, "QUASI_CONDITION", BASE_SCORE, _gate("born")),
    (_PARENT_OF, "QUASI_FAMILY", BASE_SCORE + 0.1, _ANY),
    (_ORIGIN_PERSON, "QUASI_ORIGIN", BASE_SCORE, _ANY),
)
_CUT = re.compile(r"(?i)\s+(?:but|although|though|whereas|because|which|so\s+that|so|and\s+"
                  r"(?:the|a|an|that|it|this|he|she|they|I|we|nobody|no\s+one)\b)\b|,\s+(?:but|"
                  r"which|where|although|whereas|and\b)")


def _span(text: str, start: int, end: int, label: str, score: float) -> SpanCandidate | None:
    return trimmed(text, start, end, label, score, RECOGNIZER, f"register_{label.lower()}", _CUT)


def register_spans(text: str, s: int, e: int) -> Iterator[SpanCandidate]:
    """Implied-identifier phrases of the sentence text[s:e] in the register shapes above."""
    for pattern, label, score, gate in _PASSES:
        if gate is not _ANY and not gate.search(text, s, e):
            continue
        for m in pattern.finditer(text, s, e):
            span = _span(text, m.start(), m.end(), label, score)
            if span:
                yield span
