"""Detection quality against gold-labelled text.

Matching rule (documented for the reports): a predicted span is a true positive for its type if
it overlaps a gold span of the same type after mapping Veil's types onto the gold label set; a
gold span is recalled if some predicted span of its type overlaps it. Character metrics ignore
types: the leak rate is the share of gold characters no predicted span covers; character
precision is the share of predicted characters inside some gold span. Review hints
(`labels.is_hint`) are not predictions.

Implied identifiers (QUASI_*, `engine.quasi`) are scored apart (`evaluate_groups`): they are
a layer over the detections, and corpora that do not mark them must not count them as false
positives, so `evaluate` leaves them out on both sides.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from anonymizer.engine.labels import info, is_implied, without_hints
from anonymizer.engine.ruleset import default_ruleset_config
from anonymizer.engine.types import Span, SpanCandidate

# Veil's types -> the label set of common PII corpora (Presidio research conventions).
TO_GOLD: dict[str, str] = {
    "STREET_ADDRESS": "LOCATION",
    "POSTCODE": "LOCATION",
    "DATE_OF_BIRTH": "DATE_TIME",
    "ORDER_ID": "ID",
    "TICKET_ID": "ID",
    "INVOICE_ID": "ID",
    "ACCOUNT_ID": "ID",
    "CUSTOMER_ID": "ID",
    "DEVICE_SERIAL": "ID",
    "PASSPORT": "ID",
    "DRIVER_LICENSE": "ID",
    "NATIONAL_ID": "ID",
    "TAX_ID": "ID",
    "CASE_NUMBER": "ID",
    "USERNAME": "ID",
    "MAC_ADDRESS": "ID",
    # Presidio's own identifier types, for the baseline
    "US_DRIVER_LICENSE": "ID",
    "US_PASSPORT": "ID",
    "US_BANK_NUMBER": "ID",
    "US_ITIN": "ID",
    "UK_NHS": "ID",
    "MEDICAL_LICENSE": "ID",
}
GOLD_ALIASES: dict[str, str] = {
    "STREET_ADDRESS": "LOCATION", "ADDRESS": "LOCATION", "GPE": "LOCATION", "ZIP": "LOCATION",
    "PER": "PERSON", "NAME": "PERSON", "EMAIL": "EMAIL_ADDRESS", "PHONE": "PHONE_NUMBER",
    "SSN": "US_SSN", "IBAN": "IBAN_CODE", "DATE": "DATE_TIME", "ORG": "ORGANIZATION",
}


# A gold annotation is a labelled character range, in the common label set.
GoldSpan = Span


@dataclass(frozen=True, slots=True)
class GoldDoc:
    id: str
    text: str
    spans: tuple[GoldSpan, ...]


class _Ratio:
    """A read-only attribute of a counts dataclass: one count field divided by another, or
    `empty` when there is nothing to divide by. The field names are checked when the class is
    made."""

    def __init__(self, part: str, whole: str, empty: float = 0.0) -> None:
        self.part, self.whole, self.empty = part, whole, empty

    def __set_name__(self, owner: type, name: str) -> None:
        unknown = {self.part, self.whole} - set(owner.__annotations__)
        if unknown:
            raise TypeError(f"{owner.__name__}.{name} divides unknown fields {sorted(unknown)}")

    def __get__(self, obj: object, owner: type | None = None) -> float:
        whole = getattr(obj, self.whole)
        return getattr(obj, self.part) / whole if whole else self.empty


@dataclass
class EntityScore:
    tp_pred: int = 0
    predicted: int = 0
    recalled: int = 0
    gold: int = 0

    precision = _Ratio("tp_pred", "predicted")
    recall = _Ratio("recalled", "gold")

    @property
    def f2(self) -> float:
        p, r = self.precision, self.recall
        return 5 * p * r / (4 * p + r) if p + r else 0.0


@dataclass
class EvalReport:
    per_entity: dict[str, EntityScore] = field(default_factory=dict)
    gold_chars: int = 0
    leaked_chars: int = 0
    predicted_chars: int = 0
    predicted_chars_in_gold: int = 0
    docs: int = 0

    leak_rate = _Ratio("leaked_chars", "gold_chars")
    char_precision = _Ratio("predicted_chars_in_gold", "predicted_chars", empty=1.0)

    @property
    def overall(self) -> EntityScore:
        total = EntityScore()
        for s in self.per_entity.values():
            total.tp_pred += s.tp_pred
            total.predicted += s.predicted
            total.recalled += s.recalled
            total.gold += s.gold
        return total

    def as_dict(self) -> dict[str, Any]:
        o = self.overall
        return {
            "docs": self.docs,
            "leak_rate": round(self.leak_rate, 4),
            "char_precision": round(self.char_precision, 4),
            "precision": round(o.precision, 4),
            "recall": round(o.recall, 4),
            "f2": round(o.f2, 4),
            "per_entity": {
                k: {"precision": round(v.precision, 4), "recall": round(v.recall, 4),
                    "f2": round(v.f2, 4), "gold": v.gold, "predicted": v.predicted}
                for k, v in sorted(self.per_entity.items())
            },
        }


def gold_label(label: str) -> str:
    """A gold file's label in the common label set (our own fixtures use Veil's types)."""
    label = GOLD_ALIASES.get(label, label)
    return TO_GOLD.get(label, label)


def load_gold(lines: Iterable[str]) -> list[GoldDoc]:
    docs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            spans = tuple(
                GoldSpan(int(s["start"]), int(s["end"]), gold_label(str(s["label"])))
                for s in obj.get("spans", [])
            )
            docs.append(GoldDoc(str(obj.get("id", number)), str(obj["text"]), spans))
        except (ValueError, KeyError, TypeError):
            raise ValueError(f"line {number}: expected an object with text and spans") from None
    return docs


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def evaluate(docs: Sequence[GoldDoc], predictions: Sequence[Sequence[SpanCandidate]]) -> EvalReport:
    report = EvalReport(docs=len(docs))
    scores: dict[str, EntityScore] = defaultdict(EntityScore)
    for doc, predicted in zip(docs, predictions, strict=True):
        # review hints are not detections: they are not scored as predicted spans
        pred = [(s.start, s.end, TO_GOLD.get(s.label, s.label)) for s in without_hints(predicted)
                if not is_implied(s.label)]
        gold_spans = [g for g in doc.spans if not is_implied(g.label)]
        for g in gold_spans:
            scores[g.label].gold += 1
            if any(p[2] == g.label and _overlaps(p[0], p[1], g.start, g.end) for p in pred):
                scores[g.label].recalled += 1
        for p in pred:
            scores[p[2]].predicted += 1
            if any(g.label == p[2] and _overlaps(p[0], p[1], g.start, g.end) for g in gold_spans):
                scores[p[2]].tp_pred += 1
        gold_mask = bytearray(len(doc.text))
        for g in gold_spans:
            gold_mask[g.start:g.end] = b"\x01" * (g.end - g.start)
        pred_mask = bytearray(len(doc.text))
        for start, end, _ in pred:
            pred_mask[start:end] = b"\x01" * (end - start)
        report.gold_chars += sum(gold_mask)
        report.leaked_chars += sum(
            1 for g, p in zip(gold_mask, pred_mask, strict=True) if g and not p
        )
        report.predicted_chars += sum(pred_mask)
        report.predicted_chars_in_gold += sum(
            1 for g, p in zip(gold_mask, pred_mask, strict=True) if g and p
        )
    report.per_entity = dict(scores)
    return report


# Categories of direct identifiers: each points at one person on its own.
DIRECT_CATEGORIES = frozenset({"person", "contact", "payment", "government_id", "identifier",
                               "technical", "health"})


def label_group(label: str) -> str:
    """"direct", "implied" (QUASI_*) or "context" (places, organisations, dates, and the
    other quasi-identifying types such as job titles): the groups `evaluate_groups` scores."""
    if is_implied(label):
        return "implied"
    if label in ("LOCATION", "ORGANIZATION", "DATE_TIME", "NRP", "AGE"):
        return "context"
    return "direct" if info(label).category in DIRECT_CATEGORIES else "context"


def evaluate_groups(
    docs: Sequence[GoldDoc], predictions: Sequence[Sequence[SpanCandidate]]
) -> dict[str, EntityScore]:
    """Recall and precision per group of `label_group`, any type within the group: a gold span
    is recalled when a predicted span of its group overlaps it, a predicted span is correct
    when it overlaps a gold span of its group. Hints are not predictions."""
    scores = {group: EntityScore() for group in ("direct", "implied", "context")}
    for doc, predicted in zip(docs, predictions, strict=True):
        pred = [(s.start, s.end, label_group(TO_GOLD.get(s.label, s.label)))
                for s in without_hints(predicted)]
        gold = [(g.start, g.end, label_group(g.label)) for g in doc.spans]
        for g in gold:
            scores[g[2]].gold += 1
            if any(p[2] == g[2] and _overlaps(p[0], p[1], g[0], g[1]) for p in pred):
                scores[g[2]].recalled += 1
        for p in pred:
            scores[p[2]].predicted += 1
            if any(g[2] == p[2] and _overlaps(p[0], p[1], g[0], g[1]) for g in gold):
                scores[p[2]].tp_pred += 1
    return scores


def format_report(report: EvalReport, title: str = "Veil") -> str:
    lines = [f"{title}: {report.docs} documents",
             f"{'entity':<16}{'gold':>7}{'pred':>7}{'prec':>8}{'recall':>8}{'F2':>8}"]
    for label, s in sorted(report.per_entity.items()):
        lines.append(f"{label:<16}{s.gold:>7}{s.predicted:>7}{s.precision:>8.3f}"
                     f"{s.recall:>8.3f}{s.f2:>8.3f}")
    o = report.overall
    lines.append(f"{'ALL':<16}{o.gold:>7}{o.predicted:>7}{o.precision:>8.3f}{o.recall:>8.3f}"
                 f"{o.f2:>8.3f}")
    lines.append(f"character leak rate {report.leak_rate:.2%}, "
                 f"character precision {report.char_precision:.3f}")
    return "\n".join(lines)


def presidio_baseline(texts: Sequence[str]) -> list[list[SpanCandidate]]:
    """Stock Presidio: AnalyzerEngine with all default recognizers, one analyze() per text,
    on the same spaCy model."""
    # The analyzer module loads spaCy (about 0.5 s); scoring stored predictions needs none of it.
    from anonymizer.engine.analyzer import plain_presidio_analyzer

    engine = plain_presidio_analyzer()
    out = []
    for text in texts:
        results = engine.analyze(text, language="en")
        out.append([SpanCandidate(r.start, r.end, r.entity_type, float(r.score), "presidio")
                    for r in results if r.end > r.start])
    return out


def main(argv: Sequence[str]) -> None:
    # As in presidio_baseline: only the command line needs the analyzer (and spaCy).
    from anonymizer.engine.analyzer import detect_many, get_analyzer

    with open(argv[0], encoding="utf-8") as handle:
        docs = load_gold(handle)
    analyzer = get_analyzer(default_ruleset_config())
    ours = evaluate(docs, list(detect_many([d.text for d in docs], analyzer=analyzer)))
    print(format_report(ours, "Veil"))
    if "--baseline" in argv or "--baseline-presidio" in argv:
        base = evaluate(docs, presidio_baseline([d.text for d in docs]))
        print(format_report(base, "Plain Presidio"))


if __name__ == "__main__":
    main(sys.argv[1:])
