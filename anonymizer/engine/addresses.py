"""Postal addresses as whole blocks, in the many shapes support text carries them.

Street patterns alone find "221 Baker Street" but leak the rest of an address written over
several lines or with commas: flat, city, region, postcode, country. This module finds an
address by an anchor (a cue such as "my address is" / "lives at" / "send it to", a street line,
a PO or military box, a flat or suite number) and then extends the block over the tokens that
continue an address: capitalised words, numbers and postcodes, unit words, and the small
lower-case particles of street names, separated by spaces, commas or line breaks. It stops at a
lower-case word, at a sentence start, or after a length limit.

`extend_location` applies the same continuation to location spans found by other recognizers
(a city from the NER model followed by ", ON 82269").
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache

import ahocorasick
from spacy.lang.en.stop_words import STOP_WORDS

from anonymizer.engine.textscan import Cue, segments, word_set
from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_address"
LOCATION_LABELS = frozenset({"STREET_ADDRESS", "POSTCODE", "LOCATION"})

_UP = "A-ZÀ-ÖØ-ÞĀ-ſƀ-ɏΑ-ΩΆ-ΏА-ЯЁ"  # upper-case Latin (incl. extended), Greek, Cyrillic
_WORD = r"[^\W\d_]"
_UNIT = r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Box|Room|Rm|Piso|Bldg|Building|Level)"
MAX_BLOCK = 160
MAX_TOKENS = 14

# Lower-case words that occur inside street and place names.
PARTICLES = word_set(
    """
de del della dei degli di da do dos das du des la le les van von der den ten ter am an
im auf y e u. ul. str. str utca tér út rkp. st. rd. ave. av. apt. ste. no. nr. bis sur
sous en lès
    apo fpo dpo aa ae ap
    """
)
# Capitalised words that start a sentence or a clause rather than continue an address.
_BREAK_WORDS = frozenset(STOP_WORDS) - {"via"} | word_set(
    """
please thanks thank hi hello dear regards cheers best kind sincerely yours sent phone
mobile tel fax email e-mail desk office name address zip postcode website date when
where who what why how meet call let can could would should will may monday tuesday
wednesday thursday friday saturday sunday today tomorrow yesterday
    """
)

_CUE = Cue.compile(
    r"(?:(?:my|our|new|the|his|her|their|billing|shipping|home|postal|mailing|delivery|"
    r"primary|secondary)\s+address(?:es)?\s*(?:is|was|are|:|-|to|with)?(?:\s*(?:here\s+they\s+"
    r"are|now)\s*:?)?|address(?:es)?[^:\n.?!]{0,30}:|lives?\s+(?:at|on|in)|living\s+at|located\s+at|resides?\s+at|"
    r"is\s+(?:at|on)|(?:send|sent|ship|shipped|deliver|delivered|mail|mailed|return|returned|"
    r"forward|forwarded|post|posted)\s+(?:\w+\s+){0,4}?to|meet\s+me\s+at|moved\s+to|"
    r"arrived\s+at|drops?\s+you\s+off\s+at|street\s*:|where\s*:|"
    r"(?:it's|it\s+is|i\s+am|i'm|we\s+are|now\s+live|based)\s+in)\s*"
)
_CUE_NEXT = re.compile(r"\d|[" + _UP + r"]|the\s+corner\s+of\b", re.I)
_ANCHORS = (
    # street number, up to four words, a number or a street type: "6750 Koskikatu 25"
    re.compile(
        r"\d(?<![\w.,-]\d)\d{0,5}[A-Za-z]?(?:[-/]\d{1,5})?,?\s+(?:[" + _UP + r"][\w'.-]*\s+){1,4}"
        r"\d{1,5}[A-Za-z]?\b"
    ),
    # PO and military boxes: "PSC 0413, Box 8144", "P.O. Box 149", "Unit 4719 Box 7394"
    re.compile(
        r"\b(?:(?:PSC|CMR|Unit)\s+\d{2,5},?\s+Box\s+\d{1,5}|P\.?\s?O\.?\s+Box\s+\d{1,6})\b",
        re.I,
    ),
    # a street written in lower case: "3747 fourth avenue", "12 rue de la paix"
    re.compile(
        r"\d(?<![\w.,-]\d)\d{0,5}(?:\s+\d{1,5})?\s+(?:(?:rue|via|avenida|calle|rua|ul\.)\s+"
        r"(?:[a-z\u00c0-\u024f'.-]+\s+){0,3}[a-z\u00c0-\u024f'.-]+|(?:[a-z\u00c0-\u024f'.-]+\s+)"
        r"{1,3}(?:street|st|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|place|"
        r"way|terrace|close|crescent|square|highway|hwy|gate|vej|gade|gata|katu|tie|weg|straat|"
        r"strasse|straße|utca|út|str)\b\.?)"
    ),
    # US military ships, "USS Mahler / FPO AA 70489"
    re.compile(r"\b(?:USS|USNS|USNV|USCGC)\s+[" + _UP + r"][\w'-]+", re.I),
    # "the corner of X and Y"
    re.compile(r"\bthe\s+corner\s+of\s+(?=\S)", re.I),
    # a flat or suite number
    re.compile(r"\b" + _UNIT + r"\.?\s*#?\d{1,5}[A-Za-z]?\b"),
)
# Cheap pre-checks on the lower-cased text: an anchor runs only if one of these occurs.
_ANCHOR_GATES: tuple[tuple[str, ...], ...] = (
    (),
    ("box",),
    (),
    ("uss", "usn", "uscg"),
    ("corner",),
    ("apt", "suite", "ste", "unit", "flat", "floor", "fl", "box", "room", "rm", "piso", "bldg",
     "building", "level"),
)
# Between address parts: spaces, a comma, a line break, an e-mail quote marker ("> ").
_SEP = re.compile(r"[ \t]*(?:,[ \t]*)?(?:\r?\n[ \t]*(?:>[ \t]*)*)?(?:,[ \t]*)?")
_TOKEN = re.compile(
    r"(?:" + _UNIT + r"\.?\s*#?\d{1,5}[A-Za-z]?\b"  # unit
    r"|\d[\dA-Za-z-]{0,9}(?![\w@])"  # numbers and postcodes
    r"|[" + _UP + r"][\w'’.-]*"  # capitalised word
    r"|\([" + _UP + r"][^()\n]{0,24}\)"  # "(Greek)"
    r"|" + _WORD + r"[\w'.]*"  # any other word: kept only if it is a particle
    r")"
)


def _is_break(token: str, lenient: bool = False) -> bool:
    """True if the token cannot continue an address. Lenient (after an address cue such as
    "my address is"): lower-case words continue it too, unless they are everyday words."""
    if token[0].isdigit() or token[0] == "(":
        return False
    if token[0].islower():
        low = token.lower()
        return low not in PARTICLES and (not lenient or low.strip(".,") in _BREAK_WORDS)
    if 2 <= len(token) <= 3 and token.isupper():
        return False  # a region code: "ON", "NSW", "CO"
    return token.lower() in _BREAK_WORDS


# Words written with a full stop inside an address ("St.", "Apt."): no sentence end after them.
_ABBREVIATIONS = word_set(
    """
st rd ave av blvd ln dr ct pl sq ter pkwy cir hwy cres apt ste no nr fl rm bldg mt ft str ul
po p.o
    """
)
_MONTH_NAMES = word_set(
    """
jan january feb february mar march apr april may jun june jul july aug august sep sept
september oct october nov november dec december
    """
)


def _sentence_end(text: str, start: int, pos: int) -> bool:
    """text[pos - 1] is a full stop that ends a sentence ("16 Victoria Terrace. Order ...")."""
    if text[pos - 1] != ".":
        return False
    words = text[start:pos - 1].split()
    word = words[-1] if words else ""
    return len(word) > 2 and word.lower() not in _ABBREVIATIONS


def extend(text: str, start: int, end: int, lenient: bool = False) -> int:
    """The end of the address block that begins at start and holds at least text[start:end]."""
    limit = min(len(text), start + MAX_BLOCK)
    pos = good = end
    for _ in range(MAX_TOKENS):
        if text[pos - 1] in "?!;:" or _sentence_end(text, start, pos):
            break
        sep = _SEP.match(text, pos)
        assert sep is not None
        nxt = sep.end()
        if nxt == pos and pos < len(text) and text[pos].isalnum():
            break
        token = _TOKEN.match(text, nxt, limit)
        if token is None or _is_break(token.group(), lenient):
            break
        pos = token.end()
        if lenient or not token.group()[0].islower():
            good = pos
    return _trim_end(text, start, good)


_NUMBER = re.compile(r"(?<![\w-])\d+")
_PLACE_CUE = Cue.compile(
    r"(?:flew|fly|flying|travel(?:l)?(?:ed|ing)?|moved(?:\s+here)?|relocat(?:ed|ing)|live|"
    r"living|lives|based|located|grew\s+up|home\s+(?:city|town)|stay(?:ing|ed)?|arrived|"
    r"visit(?:ed|ing)?|originally|trip)\s+(?:to|in|from|at|of)?\s*"
)
_ALLCAPS_CUE = Cue.compile(r"(?:in|from|to|at)\s+")
_PLACE_RUN = re.compile(
    r"[" + _UP + r"][\w'’.-]*(?:[ -](?:[" + _UP + r"][\w'’.-]*|de|del|la|le|do|da|am|an|upon|"
    r"on|sur|en))*"
)


@lru_cache(maxsize=1)
def _countries() -> ahocorasick.Automaton:
    """Country names (Faker's English list, parentheses dropped, also in capitals)."""
    names: set[str] = {"United States", "United Kingdom", "USA", "UK", "Great Britain"}
    try:
        provider = importlib.import_module("faker.providers.address.en_US").Provider
        names.update(re.sub(r"\s*\(.*?\)", "", c).strip() for c in provider.countries)
    except ImportError:
        pass
    automaton = ahocorasick.Automaton()
    for name in names:
        for form in (name, name.upper()):
            automaton.add_word(form, len(form))
    automaton.make_automaton()
    return automaton


def find_countries(text: str) -> list[SpanCandidate]:
    found = []
    for last, length in _countries().iter(text):
        start, end = last - length + 1, last + 1
        if (start == 0 or not text[start - 1].isalnum()) and (
            end == len(text) or not text[end].isalnum()
        ):
            found.append(SpanCandidate(start, end, "LOCATION", 0.7, RECOGNIZER, "country"))
    return found


def find_places(text: str, lower: str | None = None) -> list[SpanCandidate]:
    """Place names after a travel or residence cue ("flew to X", "moved here from X"), words
    in capitals after in / from / to / at ("in STAVANGER"), and country names."""
    found: list[SpanCandidate] = find_countries(text)
    for _, start in _PLACE_CUE.spans(text, lower):
        run = _PLACE_RUN.match(text, start)
        if run is None:
            continue
        end = start
        for token in re.finditer(r"\S+", run.group()):
            if token.group()[0].isupper() and token.group().lower().strip(".,") in _BREAK_WORDS:
                break
            end = start + token.end()
        end = _trim_end(text, start, end)
        if end > start:
            found.append(SpanCandidate(start, end, "LOCATION", 0.6, RECOGNIZER, "place_cue"))
    for _, start in _ALLCAPS_CUE.spans(text, lower):
        run = _PLACE_RUN.match(text, start)
        if run is None:
            continue
        words = run.group().split()
        caps: list[str] = []
        for word in words:
            if not (word.isupper() and len(word.strip(".,'’")) >= 4):
                break
            caps.append(word)
        if caps and len(caps[0]) >= 5:
            end = _trim_end(text, start, start + len(" ".join(caps)))
            found.append(SpanCandidate(start, end, "LOCATION", 0.5, RECOGNIZER, "caps_place"))
    return found


_AND = re.compile(r"\s+(?:and|&)\s+(?=[\d" + _UP + r"])")


def _second_street(text: str, start: int, end: int) -> int:
    """'the corner of X and Y': the block goes on over 'and Y'."""
    m = _AND.match(text, end)
    if m is None:
        return end
    token = _TOKEN.match(text, m.end())
    if token is None or _is_break(token.group()):
        return end
    return extend(text, start, token.end())


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\r\n,;:-(":
        end -= 1
    # keep "St." / "u." but not a full stop after a number or a long word
    if end > start and text[end - 1] == ".":
        word = text[start:end].split()[-1]
        if len(word) > 4 or word[:-1].isdigit():
            end -= 1
    return end


def find_addresses(text: str, lower: str | None = None) -> list[SpanCandidate]:
    found: list[SpanCandidate] = []
    for _, start in _CUE.spans(text, lower):
        if start >= len(text) or not (
            text[start].isdigit() or text[start].isupper() or _CUE_NEXT.match(text, start)
        ):
            continue
        token = _TOKEN.match(text, start)
        if token is None or _is_break(token.group()):
            continue
        end = extend(text, start, token.end())
        if token.group()[0].isdigit():
            # "address: 947 trg revolucije 17 apt. 858": lower case goes on if the block
            # holds a second number, as streets written in lower case do
            wide = extend(text, start, token.end(), lenient=True)
            if len(_NUMBER.findall(text, start, wide)) >= 2:
                end = max(end, wide)
        value = text[start:end]
        if text.startswith("the corner of", start) or text.startswith("The corner of", start):
            end = _second_street(text, start, end)
        if (end - start >= 4 and any(ch.isdigit() for ch in value)) or (
            value.count(" ") >= 1 and end - start >= 6
        ) or (value.isupper() and len(value) >= 3):
            # "moved to Kraków, Poland": no number, no corner: a place, not a street address
            label = "STREET_ADDRESS" if any(ch.isdigit() for ch in text[start:end]) or (
                "corner" in value) else "LOCATION"
            found.append(SpanCandidate(start, end, label, 0.7, RECOGNIZER, "address_cue"))
    low = lower if lower is not None else text.lower()
    for i, anchor in enumerate(_ANCHORS):
        if _ANCHOR_GATES[i] and not any(g in low for g in _ANCHOR_GATES[i]):
            continue
        for m in anchor.finditer(text):
            if i in (0, 2) and any(
                w.lower() in _BREAK_WORDS or w.lower().strip(".,") in _MONTH_NAMES
                for w in m.group().split()[1:]
            ):
                continue  # a title ("5 Musicians Of The 70s") or a date, not a street
            end = extend(text, m.start(), m.end())
            if i == 2:
                end = max(end, extend(text, m.start(), m.end(), lenient=True))
            if i == 4:
                if end == m.end():
                    continue
                end = _second_street(text, m.start(), end)
            found.append(SpanCandidate(m.start(), end, "STREET_ADDRESS", 0.75, RECOGNIZER,
                                       f"address_block_{i}"))
    return found


_PIECE_BREAK = re.compile(r"\s*(?:\t|[ ]{2,}|\n\s*\n)\s*")


def split_lines(text: str, span: SpanCandidate) -> list[SpanCandidate]:
    """A span that runs over wide gaps (tabs, runs of spaces, blank lines) becomes one span per
    piece, each with the same type and provenance: the gaps are layout, not personal data."""
    value = text[span.start:span.end]
    if "  " not in value and "\t" not in value and "\n\n" not in value:
        return [span]
    pieces = segments(text, _PIECE_BREAK, span.start, span.end, strip_end=" ,;:")
    return [span.over(start, end) for start, end in pieces]


_HOUSE_NUMBER_BEFORE = re.compile(r"(?<![\w.,/-])\d{1,6}[A-Za-z]?,?[ ]$")


def extend_location(text: str, span: SpanCandidate) -> SpanCandidate:
    """A location span grown over the address tokens that follow it, and over a house number
    just before it ("9448 Koskikatu 25" where the model found the street name only)."""
    if span.label not in LOCATION_LABELS:
        return span
    end = extend(text, span.start, span.end)
    number = _HOUSE_NUMBER_BEFORE.search(text, max(0, span.start - 9), span.start)
    start = number.start() if number is not None and (
        text[span.start].isupper() or span.label == "STREET_ADDRESS") else span.start
    if end <= span.end and start == span.start:
        return span
    return span.over(start, max(end, span.end))
