"""Nationalities, religious and political groups (NRP) by gazetteer, beside what the NER model
finds: "she is Brazilian", "our Sikh neighbours", "a lifelong Republican".

No installed package lists demonyms (GeoNames has country names only), so the list is written
here: the adjective and plural for each country's people, and a short list of religions and
political groups. Matching is case-sensitive on the written form and its upper case (and,
for plurals of peoples, its lower case), at word bounds, longest first. A term followed by a
capitalised word that is not itself a term is left out: "American Airlines", "French Open",
"Republican Party" are the names of other things; so is a term written as a language ("reply
in English", "the French version"). Terms joined by a hyphen are one span ("Chinese-American").
Lower-case adjectives count after a word that describes a person ("i am cambodian").
"""

from __future__ import annotations

import re
from functools import lru_cache

import ahocorasick

from anonymizer.engine.textscan import bounded, word_set
from anonymizer.engine.types import SpanCandidate

RECOGNIZER = "veil_groups"
SCORE = 0.7

# Nationalities: one form each; plurals are added below ("Kenyan" -> "Kenyans").
_NATIONALITIES = word_set(
    """
    Afghan Albanian Algerian American Andorran Angolan Argentine Argentinian Armenian
    Australian Austrian Azerbaijani Bahamian Bahraini Bangladeshi Barbadian Belarusian
    Belgian Belizean Beninese Bhutanese Bolivian Bosnian Botswanan Brazilian British Bruneian
    Bulgarian Burkinabe Burmese Burundian Cambodian Cameroonian Canadian Chadian Chilean
    Chinese Colombian Congolese Croatian Cuban Cypriot Czech Danish Djiboutian Dominican
    Dutch Ecuadorian Egyptian Emirati English Eritrean Estonian Ethiopian Fijian Filipino
    Filipina Finnish French Gabonese Gambian Georgian German Ghanaian Greek Grenadian
    Guatemalan Guinean Guyanese Haitian Honduran Hungarian Icelandic Indian Indonesian Iranian
    Iraqi Irish Israeli Persian Italian Ivorian Jamaican Japanese Jordanian Kazakh Kenyan Korean
    Kosovar Kuwaiti Kyrgyz Laotian Latvian Lebanese Liberian Libyan Lithuanian Luxembourgish
    Macedonian Malagasy Malawian Malaysian Maldivian Malian Maltese Mauritanian Mauritian
    Mexican Moldovan Monegasque Mongolian Montenegrin Moroccan Mozambican Namibian Nepalese
    Nepali Nicaraguan Nigerian Nigerien Norwegian Omani Pakistani Palestinian Panamanian
    Paraguayan Peruvian Polish Portuguese Qatari Romanian Russian Rwandan Salvadoran Samoan
    Saudi Scottish Senegalese Serbian Singaporean Slovak Slovakian Slovenian Somali
    Somalian Spanish Spaniard Sudanese Surinamese Swedish Swiss Syrian Taiwanese Tajik
    Tanzanian Thai Togolese
    Tongan Trinidadian Tunisian Turkish Turkmen Ugandan Ukrainian Uruguayan Uzbek Venezuelan
    Vietnamese Welsh Yemeni Zambian Zimbabwean
    Arab Asian African European Latino Latina Hispanic Caribbean Scandinavian Balkan
    Kurdish Kurd Basque Catalan Flemish Romani Tamil Punjabi Bengali Gujarati Pashtun
    Berber Yoruba Igbo Hausa Zulu Maori Inuit Tibetan Uyghur Chechen
    Brit Briton Dane Swede Scot Turk Serb Croat Czechoslovak Yugoslav Soviet
    Aboriginal Caucasian
    Greenlander Icelander Luxembourger Netherlander Faroese
    """
)
_MULTI_WORD = (
    "South African", "North Korean", "South Korean", "New Zealander", "Sri Lankan",
    "Costa Rican", "Puerto Rican", "Saudi Arabian", "Sierra Leonean", "Native American",
    "African American", "African-American", "Asian American", "Asian-American",
    "Latin American", "Middle Eastern", "First Nations", "Pacific Islander",
)
_RELIGIONS = word_set(
    """
    Christian Catholic Protestant Orthodox Anglican Baptist Methodist Lutheran Presbyterian
    Pentecostal Evangelical Mormon Quaker Amish Adventist Muslim Moslem Islamic Sunni Shia
    Shiite Shii Jewish Jew Judaism Hindu Buddhist Sikh Jain Taoist Shinto Zoroastrian Rastafarian
    Baha'i Bahá'í Atheist Agnostic Wiccan Pagan Hasidic Coptic
    """
)
_POLITICAL = word_set(
    """
    Democrat Republican Conservative Liberal Libertarian Socialist Communist Marxist
    Leninist Maoist Fascist Nazi Tory Tories Labourite Unionist Loyalist Nationalist
    Zionist Islamist Anarchist Whig Bolshevik Trotskyist Peronist Gaullist
    """
)
# "in English", "speaks French", "the Spanish version": a language, not a people.
_LANGUAGE_BEFORE = re.compile(
    r"(?i)\b(?:in|speaks?|spoke|speaking|learn(?:ing|ed|t)?|studying|fluent|into)\s+$"
)
_LANGUAGE_AFTER = re.compile(
    r"\s+(?:language|speakers?|speaking|translation|version|subtitles|lessons?|classes|"
    r"course|teacher|keyboard|text|dub(?:bed)?)\b"
)
_NO_PLURAL = ("ese", "ish", "ch", "sh", "i'", "í", "ism", "Icelandic", "Islamic")
# Plural people nouns are matched in lower case too ("we are proud kenyans"): informal text
# drops capitals, and a plural of a people is rarely anything else. Not these, which are also
# everyday words or other things ("poles", "swedes", "great danes"):
_LOWER_PLURAL_EXCLUDED = frozenset({
    "poles", "swedes", "danes", "turks", "brits", "scots", "pagans", "arabs",
    "quakers", "baptists", "evangelicals", "orthodoxs",
})

def terms() -> frozenset[str]:
    """Every written form the gazetteer matches (before upper-casing)."""
    return _terms()


@lru_cache(maxsize=1)
def _terms() -> frozenset[str]:
    base = {*_NATIONALITIES, *_MULTI_WORD, *_RELIGIONS, *_POLITICAL}
    plural = {t + "s" for t in base if not t.endswith(_NO_PLURAL) and t[-1] != "s"}
    plural |= {"Jews", "Tories", "Frenchmen", "Englishmen", "Irishmen", "Scotsmen", "Welshmen",
               "Dutchmen"}
    return frozenset(base | plural)


@lru_cache(maxsize=1)
def _lower_plurals() -> frozenset[str]:
    """Lower-case plurals of nationalities and religions (political groups are left out:
    "liberals", "conservatives" are everyday words)."""
    people = {*_NATIONALITIES, *_RELIGIONS}
    plural = {t + "s" for t in people if not t.endswith(_NO_PLURAL) and t[-1] != "s"}
    plural |= {t + "s" for t in people if t.endswith("ese")}  # "surinameses", informal
    return frozenset(t.lower() for t in plural) - _LOWER_PLURAL_EXCLUDED


@lru_cache(maxsize=1)
def _automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
    for term in _terms():
        automaton.add_word(term, len(term))
        if len(term.upper()) == len(term):
            automaton.add_word(term.upper(), len(term))
    for term in _lower_plurals():
        automaton.add_word(term, len(term))
    automaton.make_automaton()
    return automaton


# "i am cambodian", "she's catholic": a nationality or religion in lower case after a word
# that describes a person. Political words are left out ("i am conservative with money").
_SELF_CUE = re.compile(
    r"(?i)\b(?:i am|i'm|im|we are|we're|he is|he's|she is|she's|they are|they're)[ ]+"
    r"(?:(?:a|an|also|proudly|half|both)[ ]+)?([a-z][a-z'-]+)\b"
)


@lru_cache(maxsize=1)
def _lower_people() -> frozenset[str]:
    return frozenset(t.lower() for t in {*_NATIONALITIES, *_RELIGIONS})


def _described(text: str) -> list[SpanCandidate]:
    return [
        SpanCandidate(m.start(1), m.end(1), "NRP", SCORE, RECOGNIZER, "group_after_cue")
        for m in _SELF_CUE.finditer(text)
        if m.group(1).islower() and m.group(1) in _lower_people()
    ]


def find_groups(text: str) -> list[SpanCandidate]:
    """NRP spans for the gazetteer's terms in `text`, longest first, none overlapping; terms
    joined by a hyphen are one span ("Chinese-American"); lower-case ones after a word that
    describes a person ("i am cambodian")."""
    found = _found_terms(text)
    taken = [(s.start, s.end) for s in found]
    found.extend(s for s in _described(text)
                 if not any(a < s.end and s.start < b for a, b in taken))
    return sorted(found, key=lambda s: s.start)


def _found_terms(text: str) -> list[SpanCandidate]:
    hits = []
    for last, length in _automaton().iter(text):
        start, end = last - length + 1, last + 1
        after_ok = end == len(text) or not (text[end].isalnum() or text[end] in "@_")
        if after_ok and (bounded(text, start, end) or (start > 0 and text[start - 1] == "-")):
            hits.append((start, end))
    hits.sort(key=lambda h: (h[0], -h[1]))
    found: list[SpanCandidate] = []
    taken = -1
    for start, end in hits:
        if start < taken or _names_something_else(text, end) or _language(text, start, end):
            continue
        if found and found[-1].end == start - 1 and text[start - 1] == "-":
            found[-1] = found[-1].over(found[-1].start, end)
        elif bounded(text, start, end):
            found.append(SpanCandidate(start, end, "NRP", SCORE, RECOGNIZER, "group_gazetteer"))
        else:
            continue
        taken = end
    return found


def _names_something_else(text: str, end: int) -> bool:
    """'American Airlines': a capitalised word follows on the same line, and it is no term."""
    if end + 1 >= len(text) or text[end] != " " or not text[end + 1].isupper():
        return False
    stop = end + 1
    while stop < len(text) and (text[stop].isalpha() or text[stop] in "'’-"):
        stop += 1
    word = text[end + 1:stop]
    return word not in _terms() and word.capitalize() not in _terms()


def _language(text: str, start: int, end: int) -> bool:
    """A term written as a language: "reply in English", "the French version"."""
    return (_LANGUAGE_BEFORE.search(text, max(0, start - 16), start) is not None
            or _LANGUAGE_AFTER.match(text, end) is not None)
