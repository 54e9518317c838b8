r"""The rule pass: compiled regular expressions with checksums and context words.

Presidio's own pattern recognizers cost more than spaCy's NER on short texts (see
benchmarks/detect.py), so Veil runs its rules itself with Python's `re`, once per text, and uses
Presidio for the NER step only. Speed notes, measured here: `re` skips ahead fast only for a
pattern that starts with a literal or a character class, so patterns put their look-behind after
the first character (`\d(?<![\d-]\d)...` rather than `(?<![\d-])\d...`), case-insensitive
cues run on the lower-cased text, and rules that need a word or symbol (`gate`) are skipped on
texts without it. Joining rules into one alternation was slower, not faster.

The built-in rules are in `builtin_rules`; this module adds the rule set's identifier types,
custom patterns and deny list, and runs them all over a text (`RulePass`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import ahocorasick

from anonymizer.engine.addresses import find_addresses, find_places
from anonymizer.engine.builtin_rules import BUILTIN_RULES, Rule
from anonymizer.engine.groups import find_groups
from anonymizer.engine.identifiers import find_identifiers
from anonymizer.engine.learned import LearnedMatcher
from anonymizer.engine.learned import key as learned_key
from anonymizer.engine.names import NameGazetteer
from anonymizer.engine.orgs import find_organizations
from anonymizer.engine.places import find_gazetteer_places
from anonymizer.engine.ruleset import RuleSetConfig
from anonymizer.engine.types import SpanCandidate


def _id_rules(config: RuleSetConfig) -> list[Rule]:
    rules = []
    for t in config.id_types:
        tail = rf"\d{{{t.min_digits},16}}"
        if t.prefixes:
            prefixes = _alternation(t.prefixes)
            rules.append(Rule(
                f"{t.label.lower()}_prefix", t.label,
                re.compile(rf"\b(?:{prefixes})[-_#: ]?{tail}\b", re.I), t.score,
                gate=tuple(p.lower() for p in t.prefixes),
                lower_regex=re.compile(rf"(?:{prefixes.lower()})[-_#: ]?{tail}\b"),
            ))
        if t.context:
            words = _alternation(t.context)
            cue = r"\b\s*(?:no\.?|number|num|id|#|nr\.?)?\s*(?:is|was|:|=)?\s*#?\s*"
            value = (rf"(?=[a-z0-9-]*\d{{{t.min_digits}}})"
                     r"([a-z]{0,6}[-_]?\d[a-z0-9-]*\d|\d+)\b")
            rules.append(Rule(
                f"{t.label.lower()}_context", t.label,
                re.compile(rf"(?i:\b(?:{words}){cue}){value}", re.I),
                t.score - 0.1, group=1, gate=tuple(w.lower() for w in t.context),
                lower_regex=re.compile(rf"(?:{words.lower()}){cue}{value}"),
            ))
    return rules


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


def _custom_rules(config: RuleSetConfig) -> list[Rule]:
    return [
        Rule(p.name, p.label, re.compile(p.regex, re.I if p.ignore_case else 0), p.score,
             context=p.context, context_required=p.context_required,
             gate=tuple(w.lower() for w in p.context) if p.context_required else ())
        for p in config.patterns
    ]


class RulePass:
    """All rules of one rule-set version, compiled once; `find` scans one text."""

    def __init__(self, config: RuleSetConfig) -> None:
        self.config = config
        self.rules = (*BUILTIN_RULES, *_id_rules(config), *_custom_rules(config))
        self.window = config.context_window
        self.boost = config.context_boost
        self.allow = frozenset(a.casefold() for a in config.allow_list)
        self.deny = _build_automaton(config.deny_list)
        lists = config.learned
        self.learned = None if lists.empty else LearnedMatcher(lists, learned_key())
        self.names = (
            NameGazetteer(proper_nouns=config.proper_nouns) if config.name_gazetteer else None
        )

    def find(self, text: str) -> list[SpanCandidate]:
        lower = text.lower()
        same_length = len(lower) == len(text)  # lower() can grow a few rare characters
        found: list[SpanCandidate] = []
        for rule in self.rules:
            if rule.gate and not any(g in lower for g in rule.gate):
                continue
            if rule.lower_regex is not None and same_length:
                matches = [m for m in rule.lower_regex.finditer(lower)
                           if m.start() == 0 or not _is_word_char(lower[m.start() - 1])]
            else:
                matches = list(rule.regex.finditer(text))
            for m in matches:
                span = self._candidate(rule, m, text, lower)
                if span is not None:
                    found.append(span)
        if self.deny is not None:
            found.extend(self._deny_hits(text, lower))
        if self.learned is not None:
            found.extend(self.learned.deny_hits(text))
        low = lower if same_length else None
        if self.names is not None:
            found.extend(self.names.find(text, low))
        found.extend(find_addresses(text, low))
        found.extend(find_places(text, low))
        found.extend(find_gazetteer_places(text))
        found.extend(find_groups(text))
        found.extend(find_organizations(text, low))
        found.extend(find_identifiers(text, low))
        return found

    def _candidate(
        self, rule: Rule, m: re.Match[str], text: str, lower: str
    ) -> SpanCandidate | None:
        start, end = m.span(rule.group)
        if start == end or (rule.match_check is not None and not rule.match_check(m.group())):
            return None
        validated: bool | None = None
        score = rule.score
        if rule.validator is not None:
            validated = rule.validator(text[start:end])
            if not validated:
                if rule.invalid_score is None:
                    return None
                score = rule.invalid_score
        if rule.veto and self._context(lower, start, rule.veto, 24) is not None:
            return None
        word = self._context(lower, start, rule.context) if rule.context else None
        if rule.context_required and word is None:
            return None
        if word is not None and not rule.context_required:
            score = min(1.0, score + self.boost)
        return SpanCandidate(start, end, rule.label, round(score, 3), "veil_rules", rule.name,
                             word, validated)

    def allowed(self, text: str, span: SpanCandidate) -> bool:
        """On the allow list: the span's text, or inside a learned-allow string in `text`."""
        if self.allow and text[span.start:span.end].strip().casefold() in self.allow:
            return True
        if self.learned is None:
            return False
        ranges = self.learned.allowed_ranges(text)  # scanned once per text, with deny_hits
        return any(a <= span.start and span.end <= b for a, b in ranges)

    def _context(
        self, lower: str, start: int, words: Iterable[str], window: int | None = None
    ) -> str | None:
        before = lower[max(0, start - (self.window if window is None else window)):start]
        for word in words:
            if word in before:
                return word
        return None

    def _deny_hits(self, text: str, lower: str) -> list[SpanCandidate]:
        assert self.deny is not None
        hits = []
        for end_index, (label, length) in self.deny.iter(lower):
            start, end = end_index - length + 1, end_index + 1
            before_ok = start == 0 or not text[start - 1].isalnum()
            after_ok = end == len(text) or not text[end].isalnum()
            if before_ok and after_ok:
                hits.append(SpanCandidate(start, end, label, 0.95, "veil_deny_list", "deny_list"))
        return hits


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _build_automaton(deny: object) -> ahocorasick.Automaton | None:
    items = [(label, term) for label, terms in dict(deny).items() for term in terms]  # type: ignore[call-overload]
    if not items:
        return None
    automaton = ahocorasick.Automaton()
    for label, term in items:
        key = term.lower()
        automaton.add_word(key, (label, len(key)))
    automaton.make_automaton()
    return automaton
