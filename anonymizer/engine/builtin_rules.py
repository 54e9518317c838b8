"""The built-in rules of the rule pass: one compiled regular expression per kind of identifier,
with its checksum, context words and cheap substring gate (see `recognizers` for how they run).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from spacy.lang.en.stop_words import STOP_WORDS

from anonymizer.engine import validators

Validator = Callable[[str], bool]


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    label: str
    regex: re.Pattern[str]
    score: float
    validator: Validator | None = None
    context: tuple[str, ...] = ()
    context_required: bool = False
    group: int = 0  # the capture group that is the sensitive part (0: the whole match)
    invalid_score: float | None = None  # keep a failed checksum at this score (None: drop)
    # Cheap pre-check: the rule runs only if one of these occurs in the lower-cased text
    # (empty: always runs). Most rules need a context word or a symbol; skipping them on texts
    # without it keeps the rule pass a small fraction of the NER time.
    gate: tuple[str, ...] = ()
    # Words that, shortly before a match, say it is something else ("IMEI" before a
    # Luhn-valid 15-digit number): the match is dropped.
    veto: tuple[str, ...] = ()
    # The same rule for the lower-cased text, without a leading \b (checked in code): a
    # case-sensitive literal prefix lets `re` skip ahead fast, where (?i) and \b do not.
    lower_regex: re.Pattern[str] | None = None
    # A check on the whole match (e.g. that "NY 10001" starts with a state code).
    match_check: Callable[[str], bool] | None = None


_STREET_SUFFIX = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Square|Sq|"
    r"Terrace|Ter|Way|Parkway|Pkwy|Circle|Cir|Highway|Hwy|Close|Crescent|Cres|Gardens|Grove|Row|"
    r"Mews|Hill|Trail|Trl|Loop|Path|Pike|Plaza|Ridge|Run|View|Walk|Crossing|Glen|Heights|Park|"
    r"Meadows?|Mountains?|Valley|Village|Estates?|Center|Centre|Point|Port|Harbor|Harbour|Shores?|"
    r"Springs?|Station|Summit|Turnpike|Alley|Bridge|Brook|Burg|Camp|Canyon|Cape|Causeway|Club|"
    r"Common|Corner|Creek|Dale|Dam|Divide|Expressway|Extension|Falls|Ferry|Field|Flats?|Ford|"
    r"Forest|Fort|Freeway|Garden|Gateway|Green|Haven|Hollow|Island|Junction|Key|Knolls?|Lake|"
    r"Landing|Light|Lodge|Manor|Mill|Mission|Motorway|Oval|Pass|Pine|Plains?|Prairie|Radial|"
    r"Ranch|Rapids|Rest|River|Route|Shoal|Skyway|Spur|Stream|Throughway|Trace|Track|Union|Vista|"
    r"Well|Wells|Wharf|Wynd|Parade|Esplanade|Quay|Rise|Gate|Broadway"
)
_EU_STREET = (
    r"stra(?:ss|ß)e|str\.|weg|gasse|platz|allee|ring|damm|ufer|katu|kuja|tie|gatan|vägen|vej|gade|"
    r"laan|straat|plein|gracht|kade|veien|gata"
)
_EU_STREET_PREFIX = (
    r"Rue|Avenue|Boulevard|Via|Viale|Piazza|Calle|Avenida|Plaza|Paseo|Rua|Ulica|Ul\."
)
_MONTHS = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_US_STATES = (
    r"AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    r"NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|PR|AA|AE|AP"
)
_MONTH_GATE = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DOB_CONTEXT = ("born", "birth", "dob", "d.o.b", "birthday", "date of birth")
_UNIT = r"(?:,?\s*(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|#)\.?\s*[A-Za-z0-9-]{1,6})?"


def _c(pattern: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(pattern, flags)


def _phone_digits_ok(value: str) -> bool:
    main = re.split(r"(?i)x|ext", value)[0]
    return 7 <= len(validators.digits(main)) <= 15


_TLDS = "com org net io co info biz edu gov uk de fr nl au ca us eu app dev me ly"
_TLD_GATE = tuple(f".{t}" for t in _TLDS.split())


def _state_prefix(codes: str) -> Callable[[str], bool]:
    """A match_check: the match starts with one of these region codes."""
    known = frozenset(codes.split("|"))

    def check(value: str) -> bool:
        return value.split(",")[0].split(" ")[0] in known

    return check


def _not_a_stop_word(value: str) -> bool:
    """'During 1971' ends like a street ('-ring') but starts with an everyday word."""
    return value.split()[0].lower() not in STOP_WORDS


PHONE_CONTEXT = ("phone", "call", "tel", "mobile", "cell", "fax", "desk", "office", "reach",
                 "number", "landline", "whatsapp", "sms", "text me", "messages", "answering",
                 "registered", "contact")
# Words that say a run of digits is a phone number even without any grouping.
PHONE_WORDS = ("phone", "tel", "mobile", "cell", "fax", "desk", "call", "whatsapp", "sms",
               "landline")
_DATE_SHAPE = re.compile(r"^\d{1,4}[./ -]\d{1,2}[./ -]\d{1,4}$|^\d{1,3}(?:\.\d{1,3}){3}$")


def _phone_not_date(value: str) -> bool:
    """7-15 digits, and not shaped like a date ("01.02.2023") or an IPv4 address."""
    return _phone_digits_ok(value) and len(validators.digits(value)) >= 7 and (
        not _DATE_SHAPE.match(value)
    )


_EXPLICIT_VALUE = re.compile(r"(?i)(?:\bis|\bwas|[:=])\s*\S+$")


def _username_ok(match: str) -> bool:
    """'username: jsmith', 'login j.smith_77', not 'login credentials' or 'login is such'."""
    value = match.split()[-1] if match.split() else ""
    if any(ch.isdigit() or ch in "_.-" for ch in value):
        return True
    return _EXPLICIT_VALUE.search(match) is not None and value.lower() not in STOP_WORDS


def _has_digit(value: str) -> bool:
    return any(ch.isdigit() for ch in value)


BUILTIN_RULES: tuple[Rule, ...] = (
    Rule("email", "EMAIL_ADDRESS",
         _c(r"(?<![\w.+'-])[A-Za-z0-9][A-Za-z0-9._%+'-]{0,63}@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24}\b"),
         1.0, gate=("@",)),
    Rule("url", "URL", _c(r"\b(?:https?://|www\.)[^\s<>\"'()\[\]]+[^\s<>\"'()\[\].,;:!?]"), 0.9,
         gate=("http", "www.")),
    Rule("domain_url", "URL",
         _c(r"[a-z0-9-](?<![@\w.-][a-z0-9-])[a-z0-9-]*\.(?:[a-z0-9-]+\.)*(?:com|org|net|io|co|info|"
            r"biz|edu|gov|uk|de|fr|nl|au|ca|us|eu|app|dev|me|ly)(?:/[^\s<>\"']*[^\s<>\"'.,;:!?])?"
            r"(?![\w@-])", re.I), 0.6, gate=_TLD_GATE),
    Rule("ipv4", "IP_ADDRESS",
         _c(r"\d(?<![\d.]\d)\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![\d.]*\d)"), 0.95,
         validators.ip_ok),
    Rule("ipv6", "IP_ADDRESS",
         _c(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}(?![\w:])|"
            r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){1,6}:(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}"
            r"(?![\w:])"),
         0.95, validators.ip_ok, gate=(":",)),
    Rule("mac", "MAC_ADDRESS",
         _c(r"[0-9A-Fa-f](?<!\w[0-9A-Fa-f])[0-9A-Fa-f][:-](?:[0-9A-Fa-f]{2}[:-]){4}"
            r"[0-9A-Fa-f]{2}\b"), 0.95,
         gate=(":", "-")),
    Rule("credit_card", "CREDIT_CARD", _c(r"\d(?<![\d-]\d)(?:[ -]?\d){12,18}(?![\d-])"), 1.0,
         validators.luhn_ok, context=("card", "visa", "mastercard", "amex", "credit", "debit"),
         veto=("imei", "serial", "s/n", "tracking", "iccid"),
         invalid_score=None),
    Rule("card_context", "CREDIT_CARD",
         _c(r"\d(?<![\d-]\d)(?:[ -]?\d){11,18}(?![\d-])"), 0.8, validators.luhn_ok,
         context=("card",), context_required=True, gate=("card",), invalid_score=0.6),
    Rule("iban", "IBAN_CODE",
         _c(r"[A-Za-z](?<!\w[A-Za-z])[A-Za-z]\d{2}(?:[ -]?[A-Za-z0-9]{4}){2,7}"
            r"(?:[ -]?[A-Za-z0-9]{1,4})?\b"), 1.0,
         validators.iban_ok),
    Rule("ssn", "US_SSN", _c(r"\d(?<![\d-]\d)\d{2}-\d{2}-\d{4}(?![\d-])"), 0.85, validators.ssn_ok,
         context=("ssn", "social security", "social sec"), gate=("-",)),
    Rule("ssn_spaced", "US_SSN", _c(r"(?<!\d)(?<!\d )\d{3} \d{2} \d{4}(?! ?\d)"), 0.5,
         validators.ssn_ok, context=("ssn", "social security"), context_required=True,
         gate=("ssn", "social sec")),
    Rule("ssn_plain", "US_SSN", _c(r"(?<!\d)\d{9}(?!\d)"), 0.6, validators.ssn_ok,
         context=("ssn", "social security"), context_required=True, gate=("ssn", "social sec")),
    Rule("phone_intl", "PHONE_NUMBER",
         _c(r"\+(?<![\w+]\+)\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){1,2}(?:[ .-]?\d{2,4}){1,4}"
            r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?!\d)"), 0.85, _phone_digits_ok),
    Rule("phone_nanp", "PHONE_NUMBER",
         _c(r"(?<![\w+])(?:(?:001|1)[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}"
            r"(?:\s?(?:x|ext\.?)\s?\d{1,5})?(?!\d)"), 0.75, _phone_digits_ok,
         context=("phone", "call", "tel", "mobile", "cell", "number", "reach", "text")),
    Rule("phone_nanp_plain", "PHONE_NUMBER",
         _c(r"\((?<![\w+.-]\()\d{3}\)\d{3}-\d{4}(?:x\d{1,5})?(?!\d)"),
         0.75),
    Rule("phone_dotted", "PHONE_NUMBER",
         _c(r"\d(?<![\w.]\d)\d{2}\.\d{3}\.\d{4}(?:x\d{1,5})?(?![\w.])"),
         0.7),
    Rule("phone_uk", "PHONE_NUMBER",
         _c(r"0(?<![\w+]0)\d{2,4}[ -]?\d{3,4}[ -]?\d{3,4}(?!\d)"), 0.6, _phone_digits_ok,
         context=("phone", "call", "tel", "mobile", "cell", "number", "reach", "landline")),
    Rule("phone_context", "PHONE_NUMBER",
         _c(r"[\d(](?<![\w+.-][\d(])(?:(?<=\()\d{1,4}\)[ .-]?\d{2,5}|(?<=\d)\d{1,4})"
            r"(?:[ .-]\d{2,6}){1,4}(?![\w.-]*\d)"),
         0.65, _phone_not_date, context=PHONE_CONTEXT, context_required=True,
         gate=PHONE_CONTEXT),
    Rule("phone_digits", "PHONE_NUMBER", _c(r"\d(?<![\w+.-]\d)\d{6,14}(?![\w.-]*\d)"), 0.6,
         _phone_digits_ok, context=PHONE_WORDS, context_required=True, gate=PHONE_WORDS),
    Rule("phone_grouped", "PHONE_NUMBER",
         _c(r"[0(](?<![\w+.-][0(])(?:(?<=0)\d{1,4}|(?<=\()\d{1,4}\))(?:[ .-]?\d{2,4}){2,4}"
            r"(?![\w.-]*\d)"),
         0.5, _phone_not_date, context=PHONE_CONTEXT),
    Rule("date_of_birth", "DATE_OF_BIRTH",
         _c(r"(?i:\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?|birthday)\s*(?:is|was|:|-)?\s*)"
            r"(\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|(?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:" + _MONTHS +
            r")\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}|\d{1,2}(?:st|nd|rd|th)?\s+(?:" + _MONTHS +
            r")\.?,?\s+\d{4})"), 0.9, group=1, gate=("born", "birth", "dob", "d.o.b")),
    Rule("date_numeric", "DATE_TIME",
         _c(r"\d(?<![\w/.-]\d)(?:\d{3}-\d{1,2}-\d{1,2}|\d?[/.]\d{1,2}[/.]\d{2,4})"
            r"(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?(?![\w/.-])"), 0.6,
         context=DOB_CONTEXT),
    Rule("date_text", "DATE_TIME",
         _c(r"\b(?:\d{1,2}(?:st|nd|rd|th)?\s+(?:" + _MONTHS + r")\.?,?\s+\d{4}|(?:" + _MONTHS +
            r")\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4})\b"), 0.6, context=DOB_CONTEXT,
         gate=_MONTH_GATE),
    # dates in prose: "12 March", "the 3rd of May 1996", "March 1996", "in the spring of 2001",
    # "since 1998" (a year after a time word)
    Rule("date_day_month", "DATE_TIME",
         _c(r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:" + _MONTHS + r")\b\.?(?:,?\s+\d{4}\b)?"),
         0.6, context=DOB_CONTEXT, gate=_MONTH_GATE),
    Rule("date_month_year", "DATE_TIME",
         _c(r"\b(?:" + _MONTHS + r")\.?,?\s+(?:of\s+)?(?:1[89]\d\d|20\d\d)\b"), 0.6,
         context=DOB_CONTEXT, gate=_MONTH_GATE),
    Rule("date_month_day", "DATE_TIME",
         _c(r"\b(?:" + _MONTHS + r")\.?\s+\d{1,2}(?:st|nd|rd|th)?\b(?![:.,]?\d)"), 0.5,
         context=DOB_CONTEXT, gate=_MONTH_GATE),
    Rule("date_season", "DATE_TIME",
         _c(r"(?i)\b(?:(?:early|late|mid)[ -])?(?:spring|summer|autumn|fall|winter)\s+(?:of\s+)?"
            r"(?:'\d\d|(?:1[89]|20)\d\d)\b"), 0.6,
         gate=("spring", "summer", "autumn", "fall", "winter")),
    Rule("date_year_prose", "DATE_TIME",
         _c(r"(?i)\b(?:in|since|from|until|till|by|during|early|late|mid|circa|around|before|"
            r"after|between|and|year|of)\s+((?:1[89]|20)\d\d)s?\b(?![-/.,]?\d)"), 0.5, group=1,
         gate=("19", "20")),
    Rule("age_years_old", "AGE",
         _c(r"(?i)\b(\d{1,3})(?:[ -]years?[ -]old|[ -]y/?o\b|[ -]yrs?[ -]old)"), 0.85, group=1,
         gate=("old", "y/o", "yo")),
    Rule("age_turned", "AGE", _c(r"(?i)\bturn(?:ed|s|ing)?\s+(\d{1,3})\b(?![.,]\d)"), 0.8,
         group=1, gate=("turn",)),
    Rule("age_aged", "AGE", _c(r"(?i)\b(?:aged?|age:|age\s+of)\s*(\d{1,3})\b"), 0.85, group=1,
         gate=("age",)),
    Rule("street_address", "STREET_ADDRESS",
         _c(r"\d(?<!\w\d)\d{0,5}[A-Za-z]?(?:-\d{1,4})?\s+(?:[A-Z][A-Za-z'.-]*\s+){0,4}(?:"
            + _STREET_SUFFIX +
            r")\b\.?" + _UNIT), 0.8),
    Rule("street_address_eu", "STREET_ADDRESS",
         _c(r"[A-ZÄÖÜÅ](?<!\w[A-ZÄÖÜÅ])[a-zäöüßåéèø]+(?:" + _EU_STREET
            + r")\s+\d{1,5}[a-zA-Z]?\b" + _UNIT),
         0.75, _not_a_stop_word),
    Rule("street_address_eu_prefix", "STREET_ADDRESS",
         _c(r"\b(?:" + _EU_STREET_PREFIX + r")\s+(?:(?:de|del|della|di|du|des|la|le|da|do|dos)\s+)?"
            r"(?:[A-Z][a-zà-ÿ'-]+\s+){1,3}\d{1,5}\b"), 0.7),
    Rule("street_number_name", "STREET_ADDRESS",
         _c(r"\b\d{1,6}\s+[A-Z][a-zà-ÿ]+(?:\s+[A-Z][a-zà-ÿ]+)?\s+\d{1,5}\s+"
            r"(?:Apt|Suite|Unit)\.?\s*\d+"),
         0.6, gate=("apt", "suite", "unit")),
    Rule("postcode_uk", "POSTCODE",
         _c(r"[A-PR-UWYZ](?<!\w[A-PR-UWYZ])(?:[A-HK-Y]?\d[A-Z\d]?) ?\d[ABD-HJLNP-UW-Z]{2}\b"), 0.8),
    Rule("postcode_ca", "POSTCODE",
         _c(r"[ABCEGHJ-NPRSTVXY](?<!\w[ABCEGHJ-NPRSTVXY])\d[ABCEGHJ-NPRSTV-Z][ -]?"
            r"\d[ABCEGHJ-NPRSTV-Z]\d\b"), 0.8),
    Rule("zip_us_state", "POSTCODE",
         _c(r"[A-Z](?<!\w[A-Z])[A-Z],? (\d{5}(?:-\d{4})?)\b"), 0.8, group=1,
         match_check=_state_prefix(_US_STATES)),
    Rule("zip_context", "POSTCODE",
         _c(r"\d(?<![\w-]\d)\d{2,4}(?:[- ]\d{2,4})?(?![\w-])"), 0.6,
         context=("zip", "postcode", "post code", "postal", "plz", "code postal", "cap"),
         context_required=True, gate=("zip", "postcode", "post code", "postal", "plz", "cap")),
    Rule("postcode_au", "POSTCODE",
         _c(r"[A-Z](?<!\w[A-Z])[A-Z]{1,2},? (\d{4})\b"), 0.8, group=1,
         match_check=_state_prefix("NSW|VIC|QLD|WA|SA|TAS|ACT|NT"),
         gate=("nsw", "vic", "qld", "wa", "sa", "tas", "act", "nt")),
    Rule("postcode_eu_city", "POSTCODE",
         _c(r"[A-Z\d](?<![\w-][A-Z\d])(?:(?<=[A-Z])-\d{5}|(?<=\d)\d{4})"
            r"(?= [A-ZÄÖÜ][a-zäöüßéè]+(?:[ -][A-Z][a-zäöüßéè]+)?\b)"),
         0.55),
    Rule("postcode_nl", "POSTCODE", _c(r"\d(?<!\w\d)\d{3} ?[A-Z]{2}\b(?= [A-Z][a-z]+)"), 0.6),
    Rule("handle", "USERNAME",
         _c(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,29}[A-Za-z0-9_])?\b"),
         0.8, gate=("@",)),
    Rule("username_context", "USERNAME",
         _c(r"(?i:\b(?:user\s?name|user\s?id|login|handle|screen\s?name|gamertag)\s*(?:is|was|:|=)?"
            r"\s*)([A-Za-z0-9_][A-Za-z0-9_.-]{2,31})\b"), 0.75, group=1,
         gate=("user", "login", "handle", "screen", "gamertag"), match_check=_username_ok),
    Rule("passport", "PASSPORT",
         _c(r"(?i:\bpassport(?:\s*(?:no|number|num|#))?\.?\s*(?:is|:)?\s*)(?-i:([A-Z0-9]{6,9}))\b"),
         0.85, _has_digit, group=1, gate=("passport",)),
    Rule("driver_license", "DRIVER_LICENSE",
         _c(r"(?i:\b(?:driver'?s?\s*licen[cs]e|driving\s*licen[cs]e|DL|licen[cs]e)"
            r"(?:\s*(?:no|number|num|#))?\.?\s*(?:is|:)?\s*)(?-i:([A-Z0-9][A-Z0-9-]{4,16}))\b"),
         0.8, _has_digit, group=1, gate=("licen", "dl")),
    Rule("device_serial", "DEVICE_SERIAL",
         _c(r"(?i:\b(?:serial(?:\s*(?:no|number|num|#))?|s/n|sn|imei|device\s*id|udid)\.?\s*"
            r"(?:is|:)?\s*)(?-i:([A-Z0-9][A-Za-z0-9-]{5,24}))\b"), 0.8, _has_digit, group=1,
         gate=("serial", "s/n", "sn", "imei", "device", "udid")),
)
