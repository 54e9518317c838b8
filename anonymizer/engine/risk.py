"""Risk tiers with reasons. Evidence is offsets and counts, never copied text.

A record can be tier low (auto-cleared, exported with no person's review) only if no trigger
fires. Two triggers guard what detection may have missed:
- uncovered_identifier: an identifier-shaped token (`identifiers.identifier_tokens`: letters
  and digits mixed, or a long digit run) that no confident span (score at least
  `confident_score`, hints aside) covers;
- uncertain_candidate: a review hint (`labels.is_hint`) in a risky spot: next to identifying
  spans, after a word that introduces a name, place or employer, at the start of the text,
  a line or a sentence (where a capital letter says nothing), or in a run of hints; and any
  known name in a text with no capital letters at all (`names.NameGazetteer`).
Low-score detections give `low_confidence`, as before. Implied identifiers (QUASI_* phrases,
`engine.quasi`: "the only nurse at the Leeds clinic") give `implied_identifier`: medium for one,
high for a phrase that singles out sharply (score at least `implied_high_score`) or for
`implied_high_count` phrases in one record.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from anonymizer.engine.identifiers import identifier_tokens
from anonymizer.engine.labels import info, is_hint, is_implied
from anonymizer.engine.types import SpanCandidate

TIERS = ("low", "medium", "high")

CONTEXT_PATTERNS: dict[str, re.Pattern[str]] = {
    "legal_context": re.compile(
        r"(?i)\b(?:lawyer|attorney|solicitor|lawsuit|sue|suing|court|legal action|litigation|"
        r"subpoena|police|gdpr|data protection|ombudsman|tribunal|small claims|injunction)\b"),
    "health_context": re.compile(
        r"(?i)\b(?:diagnos\w*|hospital|doctor|gp|nurse|clinic|surgery|medication|prescription|"
        r"disabilit\w*|illness|cancer|diabetes|pregnan\w*|therapy|therapist|mental health|"
        r"depression|anxiety|allerg\w*|hiv|covid|symptoms?|wheelchair|insulin|patient)\b"),
    "payment_context": re.compile(
        r"(?i)\b(?:credit card|debit card|card number|cvv|cvc|bank account|sort code|iban|"
        r"routing number|refund|chargeback|overdraft|payment failed|billing)\b"),
    "minors_context": re.compile(
        r"(?i)\b(?:my (?:son|daughter|child|kid|kids|children)|minor|under 1[38]|"
        r"\d{1,2}[- ]year[- ]old (?:son|daughter|boy|girl|child)|school|teenager|toddler|baby)\b"),
    "employee_grievance_context": re.compile(
        r"(?i)\b(?:harass\w*|discriminat\w*|grievance|whistleblow\w*|bully\w*|unfair dismissal|"
        r"fired|disciplinary|hr department|human resources|my manager|my supervisor|"
        r"retaliat\w*)\b"),
}


@dataclass(frozen=True, slots=True)
class RiskThresholds:
    """Where tiers change. Override any field from the VEIL_RISK_THRESHOLDS setting.

    - narrative_chars: a text at least this long is dense free-form narrative (medium).
    - narrative_sentences: ... or with at least this many sentences.
    - density_per_100_chars: identifier spans per 100 characters at or above which: medium.
    - density_high_per_100_chars: ... and at or above which: high.
    - distinct_types_high: this many distinct identifying types in one record: high.
    - low_confidence_score: a span scored below this is a low-confidence detection (medium).
    - sensitive_context_min_hits: keyword hits needed for a context trigger to fire.
    - high_context_codes: context triggers that make a record high on their own.
    - confident_score: a span scored at least this covers an identifier-shaped token.
    - hint_window: a hint this many characters or fewer from an identifying span, or from a
      word that introduces a name, place or employer, is an uncertain candidate.
    - max_risky_hints: this many hints in risky spots or fewer are tolerated (0: none).
    - implied_high_score: an implied-identifier phrase scored at least this: high.
    - implied_high_count: this many implied-identifier phrases in one record: high.
    """

    narrative_chars: int = 1200
    narrative_sentences: int = 12
    # 3.0, not 2.0: on labelled text, records between 2 and 3 spans per 100 characters leaked
    # less than sparse ones (their identifiers are the structured kind rules find) and sent a
    # third of all records to review for it; `manage.py calibrate_risk` tries 2.0 to 4.0.
    density_per_100_chars: float = 3.0
    density_high_per_100_chars: float = 4.0
    distinct_types_high: int = 4
    high_context_codes: tuple[str, ...] = ("health_context", "minors_context")
    sensitive_context_min_hits: int = 1
    low_confidence_score: float = 0.6
    confident_score: float = 0.6
    hint_window: int = 16
    max_risky_hints: int = 0
    implied_high_score: float = 0.85
    implied_high_count: int = 3

    def __post_init__(self) -> None:
        object.__setattr__(self, "high_context_codes", tuple(self.high_context_codes))


@dataclass(frozen=True, slots=True)
class Trigger:
    code: str
    tier: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RiskResult:
    tier: str
    triggers: tuple[Trigger, ...]


_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
IDENTIFYING = frozenset({"person", "contact", "payment", "government_id", "identifier", "location",
                         "technical"})


def _policy_triggers(data_class: str, purpose: str) -> list[Trigger]:
    """What the batch's data class and the export's purpose say on their own."""
    triggers: list[Trigger] = []
    if data_class == "regulated":
        triggers.append(Trigger("data_class", "high", {"data_class": data_class}))
    elif data_class == "confidential":
        triggers.append(Trigger("data_class", "medium", {"data_class": data_class}))
    if purpose in ("external_sharing", "model_training"):
        triggers.append(Trigger("purpose", "medium", {"purpose": purpose}))
    return triggers


def _context_triggers(text: str, t: RiskThresholds) -> list[Trigger]:
    """Sensitive contexts (legal, health, payment, minors, grievances) the text speaks of."""
    triggers: list[Trigger] = []
    for code, pattern in CONTEXT_PATTERNS.items():
        hits = [(m.start(), m.end()) for m in pattern.finditer(text)]
        if len(hits) >= t.sensitive_context_min_hits:
            tier = "high" if code in t.high_context_codes else "medium"
            triggers.append(Trigger(code, tier, {"count": len(hits), "offsets": hits[:20]}))
    return triggers


def _payment_triggers(spans: Sequence[SpanCandidate]) -> list[Trigger]:
    payment_spans = [s for s in spans if info(s.label).category in ("payment", "government_id")]
    if not payment_spans:
        return []
    return [Trigger("payment_or_government_id", "high", {
        "count": len(payment_spans),
        "types": sorted({s.label for s in payment_spans}),
        "offsets": [(s.start, s.end) for s in payment_spans[:20]],
    })]


def _narrative_triggers(text: str, t: RiskThresholds) -> list[Trigger]:
    sentences = len(_SENTENCE_END.findall(text))
    if len(text) >= t.narrative_chars or sentences >= t.narrative_sentences:
        return [Trigger("narrative", "medium", {"chars": len(text), "sentences": sentences})]
    return []


def _density_triggers(text: str, spans: Sequence[SpanCandidate],
                      t: RiskThresholds) -> list[Trigger]:
    identifying = [s for s in spans if info(s.label).category in IDENTIFYING]
    if not (identifying and text):
        return []
    density = 100 * len(identifying) / max(len(text), 1)
    types = sorted({s.label for s in identifying})
    if density >= t.density_high_per_100_chars or len(types) >= t.distinct_types_high:
        tier = "high"
    elif density >= t.density_per_100_chars:
        tier = "medium"
    else:
        return []
    return [Trigger("identifier_density", tier, {
        "spans": len(identifying), "per_100_chars": round(density, 2), "types": types})]


def _implied_triggers(spans: Sequence[SpanCandidate], t: RiskThresholds) -> list[Trigger]:
    implied = [s for s in spans if is_implied(s.label)]
    if not implied:
        return []
    sharp = max(s.score for s in implied) >= t.implied_high_score
    tier = "high" if sharp or len(implied) >= t.implied_high_count else "medium"
    return [Trigger("implied_identifier", tier, {
        "count": len(implied), "types": sorted({s.label for s in implied}),
        "max_score": max(s.score for s in implied),
        "offsets": [(s.start, s.end) for s in implied[:20]]})]


def _low_confidence_triggers(spans: Sequence[SpanCandidate], t: RiskThresholds) -> list[Trigger]:
    low = [s for s in spans if s.score < t.low_confidence_score and not is_hint(s.label)
           and not is_implied(s.label)]
    if not low:
        return []
    return [Trigger("low_confidence", "medium", {
        "count": len(low), "min_score": min(s.score for s in low),
        "offsets": [(s.start, s.end) for s in low[:20]]})]


# Words after which a capitalised word is likely a name, a place or an employer.
_HINT_CUE = re.compile(
    r"(?i)\b(?:name|named|called|from|at|in|to|by|with|for|near|of|dear|hi|hello|mr|mrs|ms|dr|"
    r"contact|agent|spoke|met|lives?|visit(?:ed)?|born|works?|worked|employer|school|hospital|"
    r"city|street|company|regards|thanks|sincerely|cheers|and|is|about|unlike|heard|"
    r"according\s+to)(?:\s+(?:the|a|an|her|his|my|our|their))?\W*$"
)
# Where capitalisation says nothing: the start of the text, of a line or of a sentence.
_START = re.compile(r"(?:^|[\n.!?:>])[\s\"'(*>-]*$")


def _risky_hint(text: str, hint: SpanCandidate, spans: Sequence[SpanCandidate],
                t: RiskThresholds) -> bool:
    if hint.pattern_name == "lowercase_name":
        return True  # a text with no capital letters: no spot is safe
    near = (hint.start - t.hint_window, hint.end + t.hint_window)
    for s in spans:
        if s is hint or not (s.start < near[1] and near[0] < s.end):
            continue
        if is_hint(s.label) or info(s.label).category in IDENTIFYING:
            return True  # a run of hints, or a hint beside identifying data
    before = max(0, hint.start - t.hint_window)
    return (_HINT_CUE.search(text, before, hint.start) is not None
            or _START.search(text, before, hint.start) is not None)


def _uncertain_triggers(text: str, spans: Sequence[SpanCandidate],
                        t: RiskThresholds) -> list[Trigger]:
    risky = [h for h in spans if is_hint(h.label) and _risky_hint(text, h, spans, t)]
    if len(risky) <= t.max_risky_hints:
        return []
    return [Trigger("uncertain_candidate", "medium", {
        "count": len(risky), "offsets": [(h.start, h.end) for h in risky[:20]]})]


def _uncovered_triggers(text: str, spans: Sequence[SpanCandidate],
                        t: RiskThresholds) -> list[Trigger]:
    confident = [s for s in spans if s.score >= t.confident_score and not is_hint(s.label)
                 and not is_implied(s.label)]
    uncovered = [
        (start, end) for start, end in identifier_tokens(text)
        if not any(s.start <= start and end <= s.end for s in confident)
    ]
    if not uncovered:
        return []
    return [Trigger("uncovered_identifier", "medium", {
        "count": len(uncovered), "offsets": uncovered[:20]})]


def assess_risk(
    text: str,
    spans: Sequence[SpanCandidate],
    *,
    data_class: str,
    purpose: str,
    thresholds: RiskThresholds | None = None,
    validation_sample: bool = False,
) -> RiskResult:
    t = thresholds or RiskThresholds()
    triggers = [
        *_policy_triggers(data_class, purpose),
        *_context_triggers(text, t),
        *_payment_triggers(spans),
        *_narrative_triggers(text, t),
        *_density_triggers(text, spans, t),
        *_implied_triggers(spans, t),
        *_low_confidence_triggers(spans, t),
        *_uncertain_triggers(text, spans, t),
        *_uncovered_triggers(text, spans, t),
    ]
    if validation_sample:
        triggers.append(Trigger("validation_sample", "medium", {}))
    tier = max((tr.tier for tr in triggers), key=TIERS.index, default="low")
    return RiskResult(tier=tier, triggers=tuple(triggers))
