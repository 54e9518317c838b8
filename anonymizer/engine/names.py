"""A name gazetteer for what the small spaCy model misses: names in lower case or capitals
("jane doe", "JANE DOE") and first names after a greeting or before a sign-off.

The name lists are Faker's person-name lists for several locales (a declared dependency),
read once per process; common English words are excluded so "will grant" is not a name.
"""

from __future__ import annotations

import importlib
import re
from functools import lru_cache

from spacy.lang.en.stop_words import STOP_WORDS

from anonymizer.engine.types import SpanCandidate

LOCALES = ("en_US", "en_GB", "en_IE", "en_CA", "en_AU", "de_DE", "fr_FR", "es_ES", "it_IT",
           "nl_NL", "pt_PT", "pl_PL", "sv_SE", "da_DK", "fi_FI", "hu_HU", "cs_CZ")

# Words that are names and also everyday words; such words count as names only when written
# with a capital letter.
_COMMON_WORDS = """
will may june april august grant mark bill rose faith hope joy grace summer dawn sky
page hunter chase miles frank art bob penny ray rich sandy sue jack jean jay dean lane
max young long wood hill king brown white black green gray grey rice case cook hall
ward price bell bush street west north south love star gold stone park bond field lake
moon rain storm river brook wells baker carter cole mason porter walker fisher hunter
taylor turner parker sharp strong little small short smart swift cash money early
friday christian said even don van von del de la le los las das den der di da du des
"""
COMMON_WORDS = frozenset(_COMMON_WORDS.split())
GREETINGS = re.compile(r"(?i)\b(?:hi|hello|hey|dear|thanks|thank you|regards|cheers|best|"
                       r"sincerely|yours|from|signed|agent|customer|mr|mrs|ms|miss|dr)\b[,.:!]?\s+$")
WORD = re.compile(r"[^\W\d_][^\W\d_'-]*[^\W\d_]|[^\W\d_]")


@lru_cache(maxsize=1)
def _lists() -> tuple[frozenset[str], frozenset[str]]:
    first: set[str] = set()
    last: set[str] = set()
    for locale in LOCALES:
        try:
            provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        except ImportError:
            continue
        for attr in ("first_names", "first_names_female", "first_names_male"):
            first.update(n.lower() for n in getattr(provider, attr, ()) if " " not in n)
        last.update(n.lower() for n in getattr(provider, "last_names", ()) if " " not in n)
    blocked = COMMON_WORDS | {w.lower() for w in STOP_WORDS}
    return frozenset(first - blocked), frozenset(last - blocked)


class NameGazetteer:
    def __init__(self) -> None:
        self.first, self.last = _lists()

    def find(self, text: str) -> list[SpanCandidate]:
        found = []
        words = [(m.start(), m.end(), m.group()) for m in WORD.finditer(text)]
        i = 0
        while i < len(words):
            start, end, word = words[i]
            low = word.lower()
            if low in self.first:
                nxt = words[i + 1] if i + 1 < len(words) else None
                adjacent = nxt is not None and text[end:nxt[0]] in (" ", "  ")
                if adjacent and nxt is not None and nxt[2].lower() in self.last and (
                    _same_case_style(word, nxt[2])
                ):
                    found.append(SpanCandidate(start, nxt[1], "PERSON", 0.75, "veil_names",
                                               "first_last"))
                    i += 2
                    continue
                if word[0].isupper() and GREETINGS.search(text[max(0, start - 24):start]):
                    found.append(SpanCandidate(start, end, "PERSON", 0.7, "veil_names",
                                               "greeting_first_name"))
            i += 1
        return found


def _same_case_style(a: str, b: str) -> bool:
    return (a.islower() and b.islower()) or (a.isupper() and b.isupper()) or (
        a[0].isupper() and b[0].isupper()
    )
