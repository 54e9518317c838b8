"""Risk tiers with reasons. Evidence is offsets and counts, never copied text."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from anonymizer.engine.labels import info
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
    """

    narrative_chars: int = 1200
    narrative_sentences: int = 12
    density_per_100_chars: float = 2.0
    density_high_per_100_chars: float = 4.0
    distinct_types_high: int = 4
    low_confidence_score: float = 0.6
    sensitive_context_min_hits: int = 1
    high_context_codes: tuple[str, ...] = ("health_context", "minors_context")

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


def _low_confidence_triggers(spans: Sequence[SpanCandidate], t: RiskThresholds) -> list[Trigger]:
    low = [s for s in spans if s.score < t.low_confidence_score]
    if not low:
        return []
    return [Trigger("low_confidence", "medium", {
        "count": len(low), "min_score": min(s.score for s in low),
        "offsets": [(s.start, s.end) for s in low[:20]]})]


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
        *_low_confidence_triggers(spans, t),
    ]
    if validation_sample:
        triggers.append(Trigger("validation_sample", "medium", {}))
    tier = max((tr.tier for tr in triggers), key=TIERS.index, default="low")
    return RiskResult(tier=tier, triggers=tuple(triggers))
