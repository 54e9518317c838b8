"""Implied identifiers: phrases that single a person out without naming them.

A name or an account number points at one person directly. Much of what makes a support ticket
re-identifiable is indirect: "my daughter, who is 7", "the only paediatric nurse at the Leeds
clinic", "my red 2015 Toyota Corolla", "diagnosed with Ehlers-Danlos syndrome", "the fire at our
house last March", "I have called 14 times since January". Each narrows the crowd; together, or
beside a place or a date, they can leave one person.

`find_quasi(text)` returns such phrases as `SpanCandidate`s typed `QUASI_*` (category
"quasi_identifier" in `labels`), each with a score that says how strongly the phrase singles
someone out (0.45 a common detail, up to 0.9 a superlative such as "the only ... at ..."). The
recognizer is deterministic: cue patterns, each anchored on a word that makes the phrase about a
particular person (a possessive, "I am", "the only", a number of times), so that the generic
mention ("nurses at hospitals", "a car") is not taken. docs/quasi_identifiers.md is the guideline
the labelled tickets follow; the patterns below implement it.
"""

from __future__ import annotations

import re

from anonymizer.engine.quasi_clauses import find_clauses
from anonymizer.engine.quasi_grammar import NAME_WORD, word_end
from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_quasi"

QUASI_LABELS = (
    "QUASI_FAMILY",
    "QUASI_OCCUPATION",
    "QUASI_AGE",
    "QUASI_ORIGIN",
    "QUASI_VEHICLE",
    "QUASI_DEVICE",
    "QUASI_CONDITION",
    "QUASI_EVENT",
    "QUASI_HISTORY",
)


def _alt(words: str, sep: str | None = None) -> str:
    """A regex alternation of the phrases in `words` (split on `sep`, else on white space),
    longest first, a space matching any run of spaces."""
    items = sorted({w.strip() for w in words.split(sep) if w.strip()}, key=len, reverse=True)
    return "(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in items) + ")"


_RELATIVES = _alt("""
son daughter child kid boy girl baby toddler teenager brother sister twin twins wife husband
partner fiancé fiance fiancée fiancee mother mum mom mam father dad stepson stepdaughter
stepfather stepmother grandson granddaughter grandchild grandmother grandma gran nan grandfather
grandad granddad grandpa niece nephew aunt uncle cousin mother-in-law father-in-law
son-in-law daughter-in-law sister-in-law brother-in-law carer youngest eldest oldest
""")
_POSSESSIVE = (
    r"(?:my|our|his|her|their|(?:the\s+)?(?:applicant|claimant|complainant|defendant|victim|"
    r"customer|patient|tenant|respondent|deceased)'s)"
)
_RELATION_MODIFIER = (
    r"(?:(?:only|eldest|oldest|youngest|older|younger|little|baby|twin|late|disabled|autistic|"
    r"adopted|foster|teenage|elderly|newborn|disabled)\s+){0,2}"
)
_NUMBER_WORD = (
    r"(?:\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    r"seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
)
_YEAR_OLD = rf"{_NUMBER_WORD}[- ](?:year|month|week)s?[- ]old"
# What after a relative makes them particular: an age, what they do, where they are.
_RELATION_DETAIL = (
    r"(?:,?\s*\(\s*(?:aged?\s*)?\d{1,3}\s*\)"
    rf"|,?\s+(?:who\s+is|who's|who\s+was|who\s+(?:has\s+)?(?:just\s+)?turned|aged|age|now)\s+"
    rf"(?:just\s+|only\s+|nearly\s+|then\s+|almost\s+)?"
    rf"{_NUMBER_WORD}\b(?:\s+(?:years?|months?)(?:\s+old)?)?"
    r"|,?\s+(?:who|that)\s+(?:works|worked|lives|lived|studies|studied|goes|went|attends|"
    r"attended|has|had|is|was|uses|needs|teaches|plays|runs|owns)\b[^.;:!?\n]{3,60}"
    r"|,\s+(?:a|an|the)\s+[a-z][\w-]*(?:\s+[a-z][\w-]*){0,2}\s+(?:at|in|for|with)\s+"
    r"[^.;:!?\n,]{2,40})"
)
_FAMILY = re.compile(
    rf"(?i)\b{_POSSESSIVE}\s+(?:{_YEAR_OLD}\s+)?{_RELATION_MODIFIER}{_RELATIVES}\b"
    rf"(?P<detail>{_RELATION_DETAIL})?"
)

_JOB_TITLES = _alt("""
nurse;paediatric nurse;pediatric nurse;midwife;health visitor;doctor;surgeon;consultant;
anaesthetist;anesthetist;radiographer;physiotherapist;paramedic;pharmacist;dentist;vet;
veterinary surgeon;optician;GP;general practitioner;psychiatrist;psychologist;therapist;
counsellor;counselor;carer;care worker;social worker;teacher;head teacher;headteacher;
headmaster;headmistress;deputy head;teaching assistant;lecturer;professor;tutor;librarian;
principal;dean;caretaker;janitor;firefighter;fireman;police officer;policeman;policewoman;
detective;constable;sergeant;inspector;prison officer;soldier;officer;pilot;co-pilot;
flight attendant;air steward;train driver;bus driver;lorry driver;truck driver;taxi driver;
driver;postman;postwoman;courier;solicitor;barrister;lawyer;attorney;judge;magistrate;
accountant;auditor;engineer;architect;surveyor;electrician;plumber;builder;mechanic;
chef;head chef;cook;baker;butcher;waiter;waitress;barista;bartender;publican;landlord;
shop manager;store manager;branch manager;manager;general manager;director;managing director;
CEO;chief executive;CFO;CTO;founder;co-founder;owner;chairman;chairwoman;chair;secretary;
receptionist;administrator;clerk;cashier;analyst;developer;programmer;designer;editor;
journalist;reporter;photographer;presenter;actor;actress;singer;musician;footballer;
coach;referee;farmer;vicar;priest;pastor;minister;rabbi;imam;chaplain;mayor;councillor;
MP;senator;governor;ambassador;diplomat;scientist;researcher;pharmacologist;vet nurse
""".replace("\n", ""), ";")
_FACILITY = _alt("""
clinic hospital surgery practice school academy college university nursery station depot
branch office store shop factory plant warehouse mine farm church mosque synagogue temple
prison court council hotel restaurant pub bar gym centre center library museum ward unit
lab laboratory firm agency airport port base embassy
""")
_PLACE_NAME = rf"{NAME_WORD}(?:\s+(?:of\s+|and\s+|&\s+)?{NAME_WORD}){{0,4}}"
_EMPLOYER = (
    rf"(?:the\s+)?(?:{_PLACE_NAME}(?:\s+{_FACILITY})?|(?:local|village|town|city|county)\s+"
    rf"{_FACILITY}|{_FACILITY}\s+(?:in|at|on)\s+{_PLACE_NAME})"
)
_SUPERLATIVE = (
    r"(?:the\s+(?:only|sole|first|last|one|youngest|oldest|longest-serving|new|head|chief|"
    r"senior|lead|principal|current|former|resident)|(?:the\s+)?only)"
)
_OCCUPATION = re.compile(
    rf"\b(?P<lead>{_SUPERLATIVE}\s+(?:[a-z][\w-]*\s+){{0,2}}{_JOB_TITLES}"
    rf"|(?i:I\s+am|I'm|I\s+work\s+as|I\s+worked\s+as|I\s+was|she\s+is|he\s+is|she's|he's|"
    rf"(?:my|our)\s+(?:wife|husband|partner|son|daughter|mother|father|mum|dad)\s+is)"
    rf"\s+(?:an?|the)\s+(?:[a-z][\w-]*\s+){{0,2}}{_JOB_TITLES}"
    rf"|(?i:an?)\s+(?:[a-z][\w-]*\s+){{0,2}}{_JOB_TITLES}(?=\s+(?:practising|practicing|"
    rf"working|based|employed|serving|stationed|teaching|living)\b))"
    rf"(?P<where>(?:\s+(?:practising|practicing|working|based|employed|serving|stationed|"
    rf"teaching|living))?\s+(?:at|in|for|with|of|on)\s+{_EMPLOYER})?"
)

_AGE = re.compile(
    rf"(?i)\b(?:(?:I\s+am|I'm|I\s+was|she\s+is|he\s+is|she's|he's|a|an)\s+{_YEAR_OLD}"
    rf"(?:\s+(?:[a-z][\w-]*\s+){{0,3}}(?:from|in|living\s+in|based\s+in|of)\s+{_PLACE_NAME})?"
    rf"|(?:I\s+am|I'm|I\s+turned|I\s+turn|she\s+turned|he\s+turned|now|aged)\s+{_NUMBER_WORD}"
    rf"\b(?!\s*(?:%|percent|pounds|dollars|euros|quid|times|minutes|hours|days|weeks|items|"
    rf"orders|calls|emails|[a-z]+s\b))"
    rf"(?:\s+(?:years?\s+old|this\s+year|next\s+\w+|and\s+(?:living|live|based)\s+in\s+"
    rf"{_PLACE_NAME}))?"
    rf"|born\s+in\s+(?:19|20)\d\d(?:\s+in\s+{_PLACE_NAME})?"
    rf"|at\s+my\s+age\s*\(\s*\d{{1,3}}\s*\)|\(\s*aged?\s+\d{{1,3}}\s*\))"
)

_VEHICLE_MAKES = _alt("""
Toyota;Ford;Honda;Volkswagen;VW;BMW;Audi;Mercedes;Mercedes-Benz;Nissan;Vauxhall;Opel;Peugeot;
Renault;Kia;Hyundai;Tesla;Volvo;Skoda;Škoda;Fiat;Mazda;Subaru;Jeep;Land Rover;Range Rover;
Mini;Citroen;Citroën;Chevrolet;Chevy;Dodge;Lexus;Porsche;Jaguar;Suzuki;Mitsubishi;Seat;
Cupra;Dacia;Alfa Romeo;Saab;MG;Smart;Ferrari;Lamborghini;Bentley;Rolls-Royce;Aston Martin;
Maserati;Harley-Davidson;Harley;Yamaha;Ducati;Triumph;Kawasaki;Vespa;Polestar;BYD
""".replace("\n", ""), ";")
_COLOURS = (
    r"(?:(?:dark|light|pale|bright|metallic|matte)\s+)?(?:red|blue|black|white|silver|grey|gray|"
    r"green|yellow|orange|purple|gold|maroon|beige|brown|bronze|burgundy|navy|pink|turquoise|"
    r"cream|champagne)"
)
_VEHICLE = re.compile(
    rf"\b(?i:{_POSSESSIVE}(?:\s+[a-z]+'s)?|a|an|the)\s+(?:(?i:{_COLOURS})\s+)?(?:(?:19|20)\d\d\s+)?"
    rf"(?:(?i:{_COLOURS})\s+)?{_VEHICLE_MAKES}\b(?:\s+[A-Z0-9][\w-]*){{0,2}}"
    r"(?:\s+(?i:van|estate|hatchback|saloon|convertible|pickup|pick-up|camper|campervan|"
    r"motorbike|motorcycle|scooter|truck|SUV|coupe))?"
    r"(?:\s+(?i:with|that\s+has)\s+(?:a|an|the)\s+[^.;:!?\n,]{3,40})?"
)

_DEVICES = _alt("""
iPhone;iPad;MacBook;MacBook Pro;MacBook Air;iMac;Apple Watch;AirPods;Samsung Galaxy;Galaxy;
Pixel;Kindle;Fitbit;Garmin;PlayStation;Xbox;Nintendo Switch;Surface;ThinkPad;Chromebook;
hearing aid;insulin pump;pacemaker;wheelchair;mobility scooter;guide dog;prosthetic leg;
prosthetic arm;cochlear implant
""".replace("\n", ""), ";")
_DEVICE_DETAIL = (
    r"(?:,?\s+(?:with|in)\s+(?:a|an|the|its|my)\s+(?:cracked|broken|smashed|engraved|custom|"
    r"personalised|personalized|pink|gold|rose\s+gold|purple|green|red|blue|unicorn|glitter|"
    r"football|name|initials|sticker|stickers|monogrammed|dented|scratched)(?:\s+[\w'-]+){0,2}?"
    r"(?=\s+(?:is|was|has|and|but|that|which|it)\b|[.;:!?\n,]|$)"
    r"|,?\s+engraved\s+with\s+(?:[\w'-]+\s+){0,3}?[\w'-]+(?=[.;:!?\n,]|\s+(?:is|was|and)\b|$))"
)
_DEVICE = re.compile(
    rf"(?i)\b(?:{_POSSESSIVE}|I\s+(?:wear|use|have|rely\s+on|need)\s+(?:an?|my))\s+(?:(?:old|new|broken|cracked|spare|work|son's|daughter's|"
    rf"\w+'s)\s+)?(?P<device>{_DEVICES})\b(?:\s+(?!with\b|in\b)[\w+-]{{1,12}}){{0,2}}"
    rf"(?P<detail>{_DEVICE_DETAIL})?"
)

_CONDITIONS = _alt("""
cystic fibrosis;multiple sclerosis;motor neurone disease;motor neuron disease;ALS;
Huntington's disease;Huntington's;Parkinson's disease;Parkinson's;Crohn's disease;Crohn's;
ulcerative colitis;Ehlers-Danlos syndrome;Ehlers-Danlos;muscular dystrophy;spina bifida;
cerebral palsy;sickle cell disease;sickle cell anaemia;sickle cell anemia;sickle cell;
haemophilia;hemophilia;lupus;epilepsy;autism;Asperger's;ADHD;Down syndrome;Down's syndrome;
dementia;Alzheimer's;Alzheimer's disease;HIV;hepatitis C;hepatitis B;leukaemia;leukemia;
lymphoma;breast cancer;prostate cancer;bowel cancer;lung cancer;skin cancer;cancer;a brain tumour;
a brain tumor;type 1 diabetes;type 2 diabetes;diabetes;narcolepsy;Tourette's;Tourette syndrome;
schizophrenia;bipolar disorder;bipolar;anorexia;bulimia;PTSD;OCD;fibromyalgia;ME;
chronic fatigue syndrome;long COVID;kidney failure;heart failure;a heart condition;
a rare condition;a rare disease;a rare disorder;a rare form of cancer;a rare genetic condition;
a stroke;a heart attack;a kidney transplant;a liver transplant;a heart transplant;
a transplant;dialysis;chemotherapy;chemo;radiotherapy;an amputation;a miscarriage;IVF;
postnatal depression;depression;anxiety;blindness;deafness
""".replace("\n", ""), ";")
_CONDITION = re.compile(
    rf"(?i)\b(?:diagnosed\s+with|suffer(?:s|ed|ing)?\s+(?:from|with)|living\s+with|"
    rf"lives\s+with|battling|fighting|recovering\s+from|treated\s+for|treatment\s+for|"
    rf"undergoing|on|having|had|has|have|with|I've\s+got|I\s+have|who\s+has)\s+"
    rf"(?:(?:severe|advanced|terminal|stage\s+\w+|early[- ]onset|chronic|rare)\s+)?"
    rf"{_CONDITIONS}(?!\w)"
    rf"|\b(?:my|his|her|their|our)\s+{_CONDITIONS}\s+(?:diagnosis|treatment|surgery|operation|"
    rf"relapse|flare-up|medication)"
    rf"|(?i:\b(?:I\s+am|I'm|she\s+is|he\s+is|she's|he's)\s+(?:registered\s+)?"
    rf"(?:blind|deaf|disabled|an\s+amputee|a\s+wheelchair\s+user|pregnant|registered\s+blind|"
    rf"partially\s+sighted|terminally\s+ill|housebound|autistic|epileptic|diabetic))\b"
)

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)"
)
_WHEN = (
    rf"(?:\s+(?:last|this|in|on|back\s+in|during|over)\s+(?:{_MONTH}|year|week|month|summer|"
    rf"winter|spring|autumn|Christmas|Easter|(?:19|20)\d\d|the\s+\w+)(?:\s+(?:19|20)\d\d)?)?"
)
_EVENT = re.compile(
    r"(?i)\b(?:(?:I|we|my\s+\w+|he|she)\s+(?:won|scooped)\s+(?:the\s+|a\s+)?(?:lottery|jackpot|"
    r"euromillions|powerball|premium\s+bonds?|£\s?\d[\d,.]*k?|[\d,.]+\s+(?:pounds|dollars|euros))"
    r"|(?:the\s+)?(?:fire|flood|explosion|gas\s+leak|break-in|burglary|robbery|collapse)\s+"
    r"(?:at|in|of)\s+(?:my|our|his|her|their)\s+(?:house|home|flat|shop|restaurant|business|"
    r"street|building|farm)"
    r"|(?:my|our|his|her|their)\s+(?:house|home|flat|shop|car|business)\s+(?:burned|burnt|"
    r"flooded|was\s+flooded|was\s+burgled|was\s+broken\s+into|caught\s+fire|collapsed|"
    r"was\s+destroyed)(?:\s+down)?"
    r"|(?:was|were|got)\s+(?:in|involved\s+in|injured\s+in|hurt\s+in)\s+(?:the|a|an)\s+"
    r"(?:[a-z]+\s+){0,2}(?:car|train|plane|bus|coach|motorway|motorbike|bike|rail|boat|ferry)\s+"
    r"(?:crash|accident|collision|derailment|disaster|pile-up)"
    r"|(?:the|a|an|my|our)\s+(?:car|train|plane|bus|coach|motorway|motorbike|bike|rail|boat|"
    r"ferry)\s+(?:crash|accident|collision|derailment|pile-up)\s+(?:on|at|in|near)\s+"
    r"(?:the\s+)?[A-Z0-9][\w-]*"
    r"|(?:was|were|been|appeared)\s+(?:in|on)\s+(?:the\s+)?(?:local|national|evening)\s+"
    r"(?:news|paper|newspaper|press|TV|radio)"
    r"|(?:was|were|got|been)\s+(?:featured|shown|interviewed|mentioned|named)\s+(?:in|on|by)\s+"
    r"(?:the\s+)?(?:local\s+|national\s+)?(?:news|newspaper|paper|press|TV|television|radio|BBC)"
    r"|(?:was|were|got)\s+(?:robbed|mugged|stabbed|attacked|assaulted|kidnapped|hit\s+by\s+a\s+"
    r"\w+|struck\s+by\s+lightning|bitten\s+by\s+a\s+\w+)"
    r"|(?:gave\s+birth\s+to|had|expecting)\s+(?:twins|triplets|quadruplets|quintuplets)"
    r"|(?:turned|turning|celebrated\s+(?:my|her|his|their))\s+(?:100|hundred|101|102|103|104|105)"
    r"(?:th)?(?:\s+birthday)?"
    r"|(?:survived|escaped)\s+(?:the|a|an)\s+[a-z]+(?:\s+[a-z]+)?)"
    + _WHEN
)

_ORDINAL = (
    r"(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|"
    r"eleventh|twelfth|fifteenth|twentieth)"
)
_SINCE = (
    rf"(?:\s+(?:since|in|over|this|last|during)\s+(?:{_MONTH}|(?:19|20)\d\d|year|month|week|"
    rf"summer|winter|spring|autumn|Christmas|Easter|(?:the|last)\s+\w+|\w+day))?"
)
_HISTORY = re.compile(
    rf"(?i)\b(?:(?:a\s+|loyal\s+|your\s+)?customer\s+(?:since|for)\s+(?:(?:19|20)\d\d|"
    rf"{_NUMBER_WORD}\s+(?:years|decades))"
    rf"|(?:I\s+have|I've|I\s+had|we\s+have|we've)\s+(?:now\s+)?(?:called|rung|phoned|rang|"
    rf"emailed|written|contacted\s+you|complained|chased|been\s+in\s+touch|visited|"
    rf"reported|returned|sent)\s+"
    rf"(?:(?:you|your\s+team|the\s+store|the\s+branch|in|this|it|them|up|back|about\s+it)"
    rf"\s+){{0,2}}{_NUMBER_WORD}\s+times"
    rf"{_SINCE}"
    rf"|(?:my|our|this\s+is\s+my|this\s+is\s+our)\s+{_ORDINAL}\s+(?:complaint|claim|call|"
    rf"ticket|email|letter|replacement|refund|visit|appeal|request|time\s+writing)"
    rf"{_SINCE}"
    rf"|(?:previous|prior|earlier)\s+(?:convictions?|claims?|complaints?|bankruptcy|"
    rf"insolvency|county\s+court\s+judgments?|CCJs?)(?:\s+(?:in|from|for)\s+[^.;:!?\n,]{{2,25}})?"
    rf"|(?:was|were|been)\s+(?:convicted|sentenced|arrested|charged\s+with|evicted|made\s+"
    rf"redundant|dismissed|sacked|declared\s+bankrupt|sectioned|deported)\b[^.;:!?\n]{{0,40}}?"
    rf"(?:\b(?:19|20)\d\d\b|\b{_MONTH}\b|\bago\b)"
    rf"|(?:pleaded|pled)\s+guilty\s+to\s+[^.;:!?\n,]{{3,40}})"
)

_RULES: tuple[tuple[str, re.Pattern[str], float], ...] = (
    ("QUASI_FAMILY", _FAMILY, 0.6),
    ("QUASI_OCCUPATION", _OCCUPATION, 0.6),
    ("QUASI_AGE", _AGE, 0.55),
    ("QUASI_VEHICLE", _VEHICLE, 0.6),
    ("QUASI_DEVICE", _DEVICE, 0.5),
    ("QUASI_CONDITION", _CONDITION, 0.65),
    ("QUASI_EVENT", _EVENT, 0.65),
    ("QUASI_HISTORY", _HISTORY, 0.55),
)
_SINGULAR = re.compile(r"(?i)\b(?:only|sole|first|youngest|oldest|longest-serving|rare)\b")
_TRAILING = " \t\r\n,.;:!?)'\""


def _score(label: str, base: float, text: str, start: int, end: int, m: re.Match[str]) -> float:
    """The base score, raised where the phrase singles someone out more sharply."""
    score = base
    if _SINGULAR.search(text, start, end):
        score += 0.2
    groups = m.groupdict()
    if label == "QUASI_FAMILY" and groups.get("detail"):
        score += 0.15
    if label == "QUASI_OCCUPATION" and groups.get("where"):
        score += 0.15
    if label == "QUASI_DEVICE" and groups.get("detail"):
        score += 0.2
    return round(min(score, 0.9), 3)


def _keep(label: str, m: re.Match[str], text: str) -> bool:
    """Phrases that name the type but single no one out are dropped."""
    groups = m.groupdict()
    if label == "QUASI_FAMILY":
        # "my son" alone says little; an age, what they do or where, or an age before it does.
        return bool(groups.get("detail")) or re.search(r"\d|old\b", m.group(0)) is not None
    if label == "QUASI_OCCUPATION":
        # "I am a teacher" singles no one out; at a named place or "the only ..." does
        return bool(groups.get("where")) or _SINGULAR.search(m.group(0)) is not None
    if label == "QUASI_DEVICE":
        return bool(groups.get("detail")) or groups.get("device", "").lower() in _ASSISTIVE
    if label == "QUASI_VEHICLE":
        # a colour or a year with the make, or a model after it
        value = m.group(0)
        return re.search(rf"(?i)\b(?:{_COLOURS}|(?:19|20)\d\d)\b", value) is not None or (
            re.search(rf"{_VEHICLE_MAKES}\s+[A-Z0-9]", value) is not None
        )
    if label == "QUASI_HISTORY" and re.match(r"(?i)(?:was|were|been)\b", m.group(0)):
        # "the appeal, which was dismissed on 3 July": a passive about a thing, not a person
        return _THING_BEFORE.search(text, max(0, m.start() - 40), m.start()) is None
    return True


_THING_BEFORE = re.compile(
    r"(?i)\b(?:appeal|application|complaint|claim|case|request|action|objection|petition|motion|"
    r"decision|judgment|proceedings|charges?|which|it|that|order|account|parcel|refund)\s*,?\s*"
    r"(?:had\s+|has\s+|have\s+|later\s+|then\s+|also\s+)?$")
_ASSISTIVE = {
    "hearing aid", "insulin pump", "pacemaker", "wheelchair", "mobility scooter", "guide dog",
    "prosthetic leg", "prosthetic arm", "cochlear implant",
}


def find_quasi(text: str) -> list[SpanCandidate]:
    """Implied-identifier phrases in `text`, each typed QUASI_* with a score; overlapping
    phrases of different types are all kept (the merge step decides per character range)."""
    found: list[SpanCandidate] = []
    for label, pattern, base in _RULES:
        for m in pattern.finditer(text):
            start, end = m.start(), word_end(text, m.end())
            while end > start and text[end - 1] in _TRAILING:
                end -= 1
            if end - start < 4 or not _keep(label, m, text):
                continue
            found.append(SpanCandidate(
                start, end, label, _score(label, base, text, start, end, m), RECOGNIZER,
                pattern_name=label.lower(),
            ))
    # The clause pass finds what the exact patterns miss; where both find a phrase, the
    # pattern's extent and score stand, and the clause phrase is kept beside it only when it
    # reaches well past it ("[a Russian national of Chechen origin], [born in 1983]").
    patterns = list(found)
    found.extend(c for c in find_clauses(text) if _reaches_past(c, patterns))
    return [f for f in _once(found) if not _HYPOTHETICAL.search(text, max(0, f.start - 40),
                                                                  f.start)]


# "whether the applicant has ever been convicted", "if your child is 5": a question or a
# condition asks about someone; it says nothing about them.
_HYPOTHETICAL = re.compile(r"(?i)\b(?:whether|if|unless)\s+(?:(?:you|I|we|he|she|they|the\s+\w+|"
                           r"your\s+\w+)\s+)?(?:(?:have|has|had|are|is|were|was|been|ever|"
                           r"'ve|'re)\s+){0,3}$")


def _once(found: list[SpanCandidate]) -> list[SpanCandidate]:
    """One phrase per extent and type (two rules can find the same one): the highest score,
    in the order found."""
    best: dict[tuple[int, int, str], SpanCandidate] = {}
    for span in found:
        key = (span.start, span.end, span.label)
        if key not in best or span.score > best[key].score:
            best[key] = span
    return list(best.values())


def _reaches_past(clause: SpanCandidate, patterns: list[SpanCandidate]) -> bool:
    over = [f for f in patterns if f.start < clause.end and clause.start < f.end]
    if not over:
        return True
    start, end = min(f.start for f in over), max(f.end for f in over)
    return start - clause.start >= _REACH or clause.end - end >= _REACH


_REACH = 15
