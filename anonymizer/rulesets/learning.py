"""The learning loop's reads: corrections from review and the candidate configuration they
suggest. (The candidate's evaluation is in rulesets.evaluation, its life cycle in services.)

Semantics of the lists (as in Presidio): the *allow-list* holds strings never to flag (what
reviewers keep rejecting); the *deny-list* holds strings always to flag, per type (what
reviewers keep adding). What is learned goes into the learned lists as keyed digests
(engine.learned), never as text; officers see counts (`learned.summary`). Patterns proposed
from the shape of added spans wait for an officer.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from anonymizer.engine import learned
from anonymizer.engine.ruleset import RuleSetConfig
from anonymizer.engine.sampling import stable_fraction
from anonymizer.models import DetectedSpan, Record
from review.models import ItemState, ReviewItem, ReviewSpan, SpanStatus

HOLD_OUT_SHARE = 0.2
MIN_REPEATS = 2
MIN_SHAPE_REPEATS = 3
# A proposed pattern must have found what reviewers marked, of that type, at least this often
# among its matches in the reviewed records: a shape that also fits years, prices or order
# numbers would cost precision on every later batch.
MIN_PATTERN_PRECISION = 0.8


def is_held_out(record_id: int) -> bool:
    """A fixed fifth of reviewed records never trains anything; it only evaluates."""
    return stable_fraction("veil-holdout", record_id) < HOLD_OUT_SHARE


@dataclass(frozen=True)
class Correction:
    kind: str  # false_positive | false_negative | type_correction | bound_correction
    record_id: int
    start: int
    end: int
    label: str
    machine_start: int | None = None
    machine_end: int | None = None
    machine_label: str | None = None


def reviewed_items(batch_ids: Iterable[int] | None = None) -> Any:
    items = ReviewItem.objects.filter(state=ItemState.DONE)
    if batch_ids is not None:
        items = items.filter(batch_id__in=list(batch_ids))
    return items


def corrections(items: Any) -> list[Correction]:
    """What reviewers changed, from the settled span set against the machine's spans."""
    out: list[Correction] = []
    spans = ReviewSpan.objects.filter(item__in=items).select_related("item")
    machine = {
        d.pk: d
        for d in DetectedSpan.objects.filter(
            pk__in=spans.exclude(detected=None).values("detected_id")
        ).only("start", "end", "label")
    }
    for s in spans:
        rid = s.item.record_id
        if s.detected_id is None:
            if s.status != SpanStatus.REJECTED:
                out.append(Correction("false_negative", rid, s.start, s.end, s.label))
            continue
        d = machine[s.detected_id]
        if s.status == SpanStatus.REJECTED:
            out.append(Correction("false_positive", rid, d.start, d.end, d.label))
            continue
        if s.label != d.label:
            out.append(
                Correction("type_correction", rid, s.start, s.end, s.label, d.start, d.end, d.label)
            )
        if (s.start, s.end) != (d.start, d.end):
            out.append(
                Correction(
                    "bound_correction", rid, s.start, s.end, s.label, d.start, d.end, d.label
                )
            )
    return out


def gold_spans(items: Any) -> dict[int, list[tuple[int, int, str]]]:
    """The full reviewed span set of each reviewed record: the gold standard."""
    gold: dict[int, list[tuple[int, int, str]]] = {i.record_id: [] for i in items}
    for rid, start, end, label in (
        ReviewSpan.objects.filter(item__in=items)
        .exclude(status=SpanStatus.REJECTED)
        .values_list("item__record_id", "start", "end", "label")
    ):
        gold[rid].append((start, end, label))
    return gold


def gold_documents(items: Any) -> list[dict[str, Any]]:
    """JSONL lines in the format of common PII corpora: id, text, spans."""
    gold = gold_spans(items)
    texts = dict(Record.objects.filter(id__in=list(gold)).values_list("id", "text"))
    externals = dict(Record.objects.filter(id__in=list(gold)).values_list("id", "external_id"))
    return [
        {
            "id": f"{externals[rid]}",
            "text": texts[rid],
            "spans": [{"start": s, "end": e, "label": lab} for s, e, lab in sorted(spans)],
        }
        for rid, spans in gold.items()
    ]


# --- Candidate rule set -------------------------------------------------------------------


def shape(text: str) -> str:
    """A regular expression for the shape of a string: 'ABC-1234' -> '[A-Z]{3}-\\d{4}'."""
    parts: list[str] = []
    for run in re.finditer(r"\d+|[A-Z]+|[a-z]+|\s+|.", text):
        value = run.group()
        if value.isdigit():
            parts.append(rf"\d{{{len(value)}}}")
        elif value.isalpha() and value.isupper():
            parts.append(f"[A-Z]{{{len(value)}}}")
        elif value.isalpha():
            parts.append(f"[a-z]{{{len(value)}}}")
        elif value.isspace():
            parts.append(r"\s+")
        else:
            parts.append(re.escape(value))
    return "".join(parts)


def _norm(value: str) -> str:
    return " ".join(value.split())


def propose_changes(
    found: list[Correction], texts: dict[int, str], base: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The candidate's config (allow/deny lists learned) and pattern proposals to confirm."""
    config = {k: (list(v) if isinstance(v, list) else v) for k, v in base.items()}
    rejected = Counter(
        _norm(texts[c.record_id][c.start : c.end]) for c in found if c.kind == "false_positive"
    )
    added: dict[str, Counter[str]] = defaultdict(Counter)
    shapes: dict[tuple[str, str], list[int]] = defaultdict(list)
    context: dict[str, Counter[str]] = defaultdict(Counter)
    for c in found:
        # A missed span, or a span the rules found under another type (a shape flagged as a
        # generic ID that reviewers call a DEVICE_SERIAL): both say what the rules should find.
        if c.kind not in ("false_negative", "type_correction"):
            continue
        text = texts[c.record_id]
        value = _norm(text[c.start : c.end])
        if c.kind == "false_negative":
            added[c.label][value] += 1
        shapes[(c.label, shape(value))].append(c.record_id)
        before = re.findall(r"[A-Za-z]{3,}", text[max(0, c.start - 30) : c.start].lower())
        if before:
            context[c.label][before[-1]] += 1
    config = _with_learned_lists(config, rejected, added)
    marked = _marked_by_label(found)
    proposals = []
    for (label, regex), record_ids in sorted(shapes.items()):
        if len(record_ids) >= MIN_SHAPE_REPEATS and re.search(r"\\d|\[A-Z\]", regex):
            matches, confirmed = _pattern_precision(rf"\b{regex}\b", texts, marked[label])
            if not matches or confirmed / matches < MIN_PATTERN_PRECISION:
                continue
            words = [w for w, n in context[label].most_common(5) if n >= 2]
            proposals.append(
                {
                    "name": f"learned_{label.lower()}_{len(proposals) + 1}",
                    "label": label,
                    "regex": rf"\b{regex}\b",
                    "score": 0.7,
                    "context": words,
                    "context_required": False,
                    "ignore_case": False,
                    "support": len(record_ids),
                    "matches": matches,
                    "precision": round(confirmed / matches, 3),
                }
            )
    return config, proposals


def _with_learned_lists(
    config: dict[str, Any], rejected: Counter[str], added: dict[str, Counter[str]]
) -> dict[str, Any]:
    """The config with what reviewers kept rejecting (allow) and kept adding (deny, per type)
    added to its learned lists, as keyed digests (engine.learned): no customer string is
    copied into the configuration."""
    engine = RuleSetConfig.from_dict(config)
    secret = learned.key()
    lists = engine.learned
    allow = set(lists.allow) | learned.make_digests(
        (v for v, n in rejected.items() if n >= MIN_REPEATS and len(v) >= 2), secret
    )
    deny = {label: set(v) for label, v in lists.deny.items()}
    words = lists.words
    for label, values in added.items():
        kept = [v for v, n in values.items() if n >= MIN_REPEATS and len(v) >= 3]
        digests = learned.make_digests(kept, secret)
        if digests:
            deny.setdefault(label, set()).update(digests)
            words = max([words, *(learned.word_count(v) for v in kept
                                  if learned.word_count(v) <= learned.MAX_WORDS)])
    grown = learned.LearnedLists(frozenset(allow), {k: frozenset(v) for k, v in deny.items()},
                                 words, learned.key_id(secret))
    return engine.with_learned(grown).to_dict()


def _marked_by_label(found: list[Correction]) -> dict[str, dict[int, list[tuple[int, int]]]]:
    """Where reviewers said each type is: added spans and corrected types, per record."""
    marked: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for c in found:
        if c.kind in ("false_negative", "type_correction", "bound_correction"):
            marked[c.label][c.record_id].append((c.start, c.end))
    return marked


def _pattern_precision(
    regex: str, texts: dict[int, str], marked: dict[int, list[tuple[int, int]]]
) -> tuple[int, int]:
    """(matches of `regex` in the reviewed texts, of which inside a span reviewers marked)."""
    pattern = re.compile(regex)
    matches = confirmed = 0
    for record_id, text in texts.items():
        for m in pattern.finditer(text):
            matches += 1
            confirmed += any(a <= m.start() and m.end() <= b for a, b in marked.get(record_id, ()))
    return matches, confirmed
