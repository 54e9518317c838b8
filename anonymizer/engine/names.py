"""Person names that the small spaCy model misses.

Two general techniques, no list of customers:
- a gazetteer of first and last names from Faker's person-name lists for many locales
  (a declared dependency), read once per process: "jane doe", "JANE DOE", a lone "Derek";
- name shapes and cues: a title ("Dr. Berta Szöllössy"), a middle initial ("Ravil G Yefimov"),
  "Name: ...", "my name is ...", a sign-off ("Regards,\\nMarika Bałdys"), "spoke to ...".
Everyday English words that are also names ("will", "grant", "may") count only in a name shape.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS

from anonymizer.engine.lexicon import rare_in_english
from anonymizer.engine.textscan import Cue, word_set
from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_names"
LOCALES = (
    "en_US", "en_GB", "en_IE", "en_NZ", "en_IN", "de_DE", "de_AT", "de_CH", "fr_FR", "fr_CA",
    "es_ES", "es_MX", "it_IT", "nl_NL", "nl_BE", "pt_PT", "pt_BR", "pl_PL", "sv_SE", "da_DK",
    "no_NO", "fi_FI", "is_IS", "et_EE", "lv_LV", "lt_LT", "hu_HU", "cs_CZ", "sk_SK", "sl_SI",
    "hr_HR", "ro_RO", "tr_TR", "el_GR", "ru_RU", "uk_UA", "bg_BG",
)

# Words that are names and also everyday words; such words count as names only when written
# with a capital letter inside a name shape.
_COMMON_WORDS = word_set(
    """
will may june april august grant mark bill rose faith hope joy grace summer dawn sky
page hunter chase miles frank art bob penny ray rich sandy sue jack jean jay dean lane
max young long wood hill king brown white black green gray grey rice case cook hall ward
price bell bush street west north south love star gold stone park bond field lake moon
rain storm river brook wells baker carter cole mason porter walker fisher hunter taylor
turner parker sharp strong little small short smart swift cash money early friday
christian said even don van von del de la le los las das den der di da du des apple
amazon google via golden royal major minor pierre sale tom honey holly ivy iris lily
daisy ruby pearl crystal amber jade ginger candy sugar cherry brandy misty sunny stormy
mercy patience prudence constance chance lucky victory destiny trinity unity harmony
melody sonny rusty dusty hardy noble justice king prince duke earl baron knight guy buck
colt doc sly tip happy sandy windy cliff glen dale heath forest rock jewel story ocean
river sky autumn winter spring may june august march monday tuesday wednesday thursday
saturday sunday january february september october november december london paris berlin
jordan georgia virginia carolina florida india china israel kenya chad dakota montana
nevada cuba
    """
)
COMMON_WORDS = _COMMON_WORDS | frozenset(STOP_WORDS)

_UP = "A-ZÀ-ÖØ-ÞĀ-ſΑ-ΩΆ-ΏА-ЯЁ"
_CAP = r"[" + _UP + r"][^\W\d_]*(?:['’-][" + _UP + r"]?[^\W\d_]+)*"  # "O'Neil", "Jean-Luc"
_INITIAL = r"[" + _UP + r"]\."
_NAME_TOKEN = r"(?:" + _CAP + r"|" + _INITIAL + r")"
_NAME_RUN = _NAME_TOKEN + r"(?:[ ]" + _NAME_TOKEN + r"){0,3}"
WORD = re.compile(r"[^\W\d_][^\W\d_'’-]*[^\W\d_]|[^\W\d_]")

_TITLE = re.compile(
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Sir|Dame|Rev|Herr|Frau|Mme|Mlle|Sr|Sra)\.?[ ]+("
    + _NAME_RUN + r")"
)
_TITLE_GATE = ("mr", "ms", "miss", "mx", "dr", "prof", "sir", "dame", "rev", "herr", "frau",
               "mme", "mlle", "sr")
_MIDDLE_INITIAL = re.compile(
    r"(?<!\w)(" + _CAP + r"[ ][" + _UP + r"]\.?[ ]" + _CAP + r")(?![\w'’])"
)
_CUE = Cue.compile(
    r"(?:name\s*(?:is|:|=)|my\s+name's|this\s+is|i\s+am|i'm|it's|call\s+me|called|"
    r"named|spoke\s+(?:to|with)|speak\s+(?:to|with)|talk(?:ed)?\s+(?:to|with)|ask\s+for|"
    r"(?:regards|thanks|thank\s+you|cheers|best|sincerely|yours|signed|dear|hi|hello|hey)"
    r"[,.!:]?|directed\s+by|written\s+by|starring|by|my\s+(?:kid|son|daughter|wife|husband|"
    r"partner|friend|mother|father|mum|mom|dad|brother|sister|colleague|manager)|"
    r"customer|agent|contact|attn\.?|c/o)(?!\w)[,.!:]?\s*"
)
_LOWER_RUN = r"[^\W\d_]+(?:[ ][^\W\d_]+){0,2}"
_STRONG_CUE = Cue.compile(
    r"(?:my\s+name\s+is|my\s+name's|call\s+me|calls\s+me|called\s+me|named|(?:first|last|"
    r"given|family|sur)\s*name\s+is)\s+"
)
_CUE_CAPS = re.compile(_NAME_RUN)
_CUE_LOWER = re.compile(_LOWER_RUN)


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    return _name_lists()[:2]


@lru_cache(maxsize=1)
def _widespread_first_names() -> frozenset[str]:
    """First names found in the lists of at least two locales: safe enough to take in lower
    case on their own ("jane" but not "forum", a first name in one locale only)."""
    return _name_lists()[2]


@lru_cache(maxsize=1)
def _common_first_names() -> frozenset[str]:
    """First names that are also everyday words ("dean", "mark", "grant"): names only when
    a capitalised surname follows ("Dean Roberts")."""
    return _name_lists()[3]


@lru_cache(maxsize=1)
def _name_lists() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    first: set[str] = set()
    last: set[str] = set()
    seen: dict[str, int] = {}
    for locale in LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:
            continue
        here: set[str] = set()
        for attr in ("first_names", "first_names_female", "first_names_male",
                     "first_names_nonbinary"):
            here.update(n.lower() for n in getattr(provider, attr, ()) if " " not in n)
        first |= here
        for name in here:
            seen[name] = seen.get(name, 0) + 1
        for attr in ("last_names", "last_names_female", "last_names_male"):
            last.update(n.lower() for n in getattr(provider, attr, ()) if " " not in n)
    widespread = {n for n, count in seen.items() if count >= 2}
    return (frozenset(first - COMMON_WORDS), frozenset(last - COMMON_WORDS),
            frozenset(widespread - COMMON_WORDS), frozenset(first & _COMMON_WORDS))


def surnames() -> frozenset[str]:
    """Last names of the gazetteer, lower case."""
    return _lists()[1]


@lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Some two thousand everyday English words: Faker's en_US lorem list and the words of its
    en_US company phrases."""
    words: set[str] = set()
    try:
        lorem = importlib.import_module("faker.providers.lorem.en_US").Provider
        words.update(w.lower() for w in lorem.word_list)
        company = importlib.import_module("faker.providers.company.en_US").Provider
        for attr in ("catch_phrase_words", "bsWords"):
            for group in getattr(company, attr, ()):
                for phrase in group:
                    words.update(w.lower() for w in re.findall(r"[a-zA-Z]+", phrase))
    except ImportError:
        pass
    return frozenset(words)


class NameGazetteer:
    """Names by gazetteer, shape and cue. With proper_nouns, every other capitalised word that
    does not start a sentence or a line and is not an everyday word is a PROPER_NOUN candidate
    at a low score: a name, place or employer the model missed, or a product; low-confidence
    spans go to a reviewer (see risk.py)."""

    def __init__(self, proper_nouns: bool = False) -> None:
        self.proper_nouns = proper_nouns
        self.everyday = COMMON_WORDS | english_words() | _SENTENCE_STARTERS
        self.first, self.last = _lists()
        self.widespread = _widespread_first_names() - self.everyday
        self.common_first = _common_first_names()
        self.any_name = self.first | self.last

    def find(self, text: str, lower: str | None = None) -> list[SpanCandidate]:
        words = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
        found = self._gazetteer(text, words)
        if self.proper_nouns:
            found.extend(self._proper_nouns(text, words))
            if not any(c.isupper() for c in text):
                found.extend(self._lowercase_names(words))
        low = lower if lower is not None else text.lower()
        titles = _TITLE.finditer(text) if any(t in low for t in _TITLE_GATE) else ()
        for m in titles:
            end = self._trim_run(text, m.start(1), m.end(1))
            if end > m.start(1):
                found.append(self._span(m.start(), end, 0.85, "title_name"))
        for m in _MIDDLE_INITIAL.finditer(text):
            if m.group(1).split()[0].lower() not in COMMON_WORDS:
                found.append(self._span(m.start(1), m.end(1), 0.8, "middle_initial"))
        for _, cue_end in _CUE.spans(text, lower):
            span = self._after_cue(text, cue_end)
            if span is not None:
                found.append(span)
        found.extend(self._after_strong_cue(text, lower))
        return found

    def _after_strong_cue(self, text: str, lower: str | None) -> list[SpanCandidate]:
        """'my name is vitoria', 'everyone calls me borna jerković': after a cue that can only
        introduce a name, one or two lower-case words that are no everyday words, known names
        or not, at a low score (a reviewer looks)."""
        found = []
        for _, start in _STRONG_CUE.spans(text, lower):
            run = _CUE_LOWER.match(text, start)
            if run is None or not text[start].islower():
                continue
            words = []
            for word in run.group().split()[:2]:
                if not word.islower() or word in self.everyday:
                    break
                words.append(word)
            if words:
                end = start + len(" ".join(words))
                found.append(self._span(start, end, 0.5, "strong_cue_lower"))
        return found

    def _span(self, start: int, end: int, score: float, pattern: str) -> SpanCandidate:
        return SpanCandidate(start, end, "PERSON", score, RECOGNIZER, pattern)

    def _trim_run(self, text: str, start: int, end: int) -> int:
        """Stop a run of capitalised words at the first everyday word ("Dr. Smith Thanks")."""
        pos = start
        keep = start
        for w in re.finditer(r"\S+", text[start:end]):
            if w.group().lower().strip(".") in COMMON_WORDS and pos > start:
                break
            pos = start + w.end()
            keep = pos
        return keep

    def _after_cue(self, text: str, start: int) -> SpanCandidate | None:
        if start >= len(text) or not text[start].isalpha():
            return None
        caps = _CUE_CAPS.match(text, start)
        if caps is not None:
            end = self._trim_run(text, start, caps.end())
            words = text[start:end].split()
            if words and words[0].lower() not in COMMON_WORDS and (
                len(words) > 1 or words[0].lower() in self.any_name
                or words[0].lower() not in STOP_WORDS
            ) and self._looks_like_name(words):
                return self._span(start, end, 0.7, "cue_name")
            return None
        lower = _CUE_LOWER.match(text, start)
        if lower is None:
            return None
        words = lower.group().split()
        taken = 0
        for i, w in enumerate(words):
            if w in (self.first if i == 0 else self.any_name):
                taken = i + 1
            else:
                break
        if taken == 0:
            return None
        end = start + len(" ".join(words[:taken]))
        return self._span(start, end, 0.6, "cue_lower_name")

    def _looks_like_name(self, words: list[str]) -> bool:
        """At least one word is a known name, or the run has a name's shape (2-4 words)."""
        known = any(w.lower() in self.any_name for w in words)
        return known or 2 <= len(words) <= 4

    def _proper_nouns(
        self, text: str, words: list[tuple[int, int, str]]
    ) -> list[SpanCandidate]:
        found = []
        for i, (start, end, word) in enumerate(words):
            if not word[0].isupper() or len(word) < 2 or (word.isupper() and len(word) <= 4):
                continue
            if word.lower() in _GENERIC_CAPS:
                continue  # a field label ("Username:"), a product or a plan ("Windows")
            base = _base(word.lower())
            if base in self.everyday:
                continue
            before = text[max(0, start - 3):start].rstrip(" \t\"'(")
            if (not before or before[-1] in ".!?:;\n>*-•|" or before[-1].isspace()) and (
                base in _SENTENCE_STARTERS or len(word) < 4 or base.endswith(_VERB_ENDINGS)
            ):
                continue  # an everyday word starting a sentence, a line or a list item
            if _title_case_neighbour(words, i):
                continue  # a headline or title: "5 Songs You're Supposed To Hate"
            found.append(SpanCandidate(start, end, "PROPER_NOUN", 0.3, RECOGNIZER,
                                       "capitalised_word"))
        return found

    def _lowercase_names(self, words: list[tuple[int, int, str]]) -> list[SpanCandidate]:
        """A text with no capital letter at all gives no case cue: a known name in it that is
        no everyday word ("cormac had given ..."), or a word that is rare in English
        ("... the verses from samoylova"), is a PROPER_NOUN candidate."""
        return [
            SpanCandidate(start, end, "PROPER_NOUN", 0.3, RECOGNIZER, "lowercase_name")
            for start, end, word in words
            if len(word) >= 4 and word.isalpha() and word not in self.everyday
            and word not in STOP_WORDS and _base(word) not in self.everyday
            and (word in self.any_name or rare_in_english(word))
        ]

    def _gazetteer(self, text: str, words: list[tuple[int, int, str]]) -> list[SpanCandidate]:
        found = []
        i = 0
        while i < len(words):
            start, end, word = words[i]
            low = word.lower()
            nxt = words[i + 1] if i + 1 < len(words) else None
            adjacent = nxt is not None and text[end:nxt[0]] in (" ", "  ")
            if low in self.first and adjacent and nxt is not None and (
                nxt[2].lower() in self.last and _same_case_style(word, nxt[2])
            ):
                found.append(self._span(start, nxt[1], 0.75, "first_last"))
                i += 2
                continue
            if low in self.common_first and word.istitle() and adjacent and nxt is not None and (
                nxt[2].istitle() and nxt[2].lower() in self.last
            ):
                found.append(self._span(start, nxt[1], 0.7, "common_first_last"))
                i += 2
                continue
            if word[0].isupper() and not word.isupper() and low in self.first:
                # a capitalised first name, with the capitalised word after it as surname
                stop = end
                if adjacent and nxt is not None and nxt[2][0].isupper() and (
                    nxt[2].lower() not in COMMON_WORDS
                ):
                    stop = nxt[1]
                    i += 1
                found.append(self._span(start, stop, 0.6, "first_name"))
            elif word.islower() and low in self.first and low not in self.everyday:
                span, j = self._lower_name(text, words, i)
                if span is not None:
                    found.append(span)
                i = j - 1
            i += 1
        return found

    def _lower_name(
        self, text: str, words: list[tuple[int, int, str]], i: int
    ) -> tuple[SpanCandidate | None, int]:
        """"jane", "borna jerković", "benjamin a seiler": a known first name in lower case,
        with what follows if it is no everyday word; and the index of the next word."""
        start, end, word = words[i]
        stop, j = end, i + 1
        while j < len(words) and j <= i + 2 and text[words[j - 1][1]:words[j][0]] == " ":
            nxt_low = words[j][2]
            if not nxt_low.islower() or (nxt_low in self.everyday and len(nxt_low) > 1):
                break
            stop, j = words[j][1], j + 1
        if len(text[start:stop].split()) == 2 and text[start:stop].split()[1] in "aeiou":
            stop = end  # "jane a" : the article, not an initial
        if stop > end or word in self.widespread:
            return self._span(start, stop, 0.45, "lower_first_name"), j
        return None, j


_SENTENCE_STARTERS = word_set(
    """
    hello hi hey dear thanks thank regards cheers best kind sincerely yes no ok okay sorry
    please note update question answer subject re fw fwd sent date time name address phone
    mobile email e-mail website where when what who why how which whose is are was were can
    could would should will shall may might must do does did have has had hope unfortunately
    also however still just maybe perhaps actually again finally first second third then
    after before since because although though if unless while as so but and or nor yet
    ps summary details description status priority order ticket invoice account customer
    user agent support team manager hello, good morning afternoon evening tonight today
    yesterday tomorrow monday tuesday wednesday thursday friday saturday sunday january
    february march april may june july august september october november december
    billing battery info title desk excuse unlike cool patient fax office home work tel
    """
)
_VERB_ENDINGS = ("ing", "ed", "ly")
# Capitalised words of software and service plans, which name no one.
_GENERIC_CAPS = word_set(
    """
windows linux android ios iphone ipad macbook chrome firefox safari outlook excel bluetooth
wifi username password login admin dashboard database app basic premium standard pro plus
platinum enterprise starter deluxe ultimate lite hostname browser device version platform
account settings profile
    """
)


def _base(word: str) -> str:
    """'you're' -> 'you'."""
    if "'" in word or "’" in word:
        return word.replace("’", "'").split("'")[0]
    return word


def _title_case_neighbour(words: list[tuple[int, int, str]], i: int) -> bool:
    """A capitalised everyday short word (The, Of, To, You're) next to word i."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(words):
            w = words[j][2]
            if w[0].isupper() and w != "I" and _base(w.lower()) in STOP_WORDS:
                return True
    return False


def _same_case_style(a: str, b: str) -> bool:
    return (a.islower() and b.islower()) or (a.isupper() and b.isupper()) or (
        a[0].isupper() and b[0].isupper()
    )
