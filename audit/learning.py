"""The learning loop: corrections from review, a candidate rule set built from them, and an
evaluation of candidate against the active rule set on held-out reviewed records.

Semantics of the lists (as in Presidio): the *allow-list* holds strings never to flag (what
reviewers keep rejecting); the *deny-list* holds strings always to flag, per type (what
reviewers keep adding). Patterns proposed from the shape of added spans wait for an officer.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from anonymizer import detection, rulesets
from anonymizer.models import DetectedSpan, Record, RuleSet, RuleSetEvaluation
from audit.services import audit_log
from review.models import ItemState, ReviewItem, ReviewSpan, SpanStatus

HOLD_OUT_SHARE = 0.2
MIN_REPEATS = 2
MIN_SHAPE_REPEATS = 3


def is_held_out(record_id: int) -> bool:
    """A fixed fifth of reviewed records never trains anything; it only evaluates."""
    digest = hashlib.sha256(f"veil-holdout:{record_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < HOLD_OUT_SHARE


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
        if c.kind != "false_negative":
            continue
        text = texts[c.record_id]
        value = _norm(text[c.start : c.end])
        added[c.label][value] += 1
        shapes[(c.label, shape(value))].append(c.record_id)
        before = re.findall(r"[A-Za-z]{3,}", text[max(0, c.start - 30) : c.start].lower())
        if before:
            context[c.label][before[-1]] += 1
    allow = set(config.get("allow_list", []))
    allow.update(v for v, n in rejected.items() if n >= MIN_REPEATS and len(v) >= 2)
    config["allow_list"] = sorted(allow)
    deny = {k: set(v) for k, v in dict(config.get("deny_list", {})).items()}
    for label, values in added.items():
        learned = {v for v, n in values.items() if n >= MIN_REPEATS and len(v) >= 3}
        if learned:
            deny.setdefault(label, set()).update(learned)
    config["deny_list"] = {k: sorted(v) for k, v in sorted(deny.items())}
    proposals = []
    for (label, regex), record_ids in sorted(shapes.items()):
        if len(record_ids) >= MIN_SHAPE_REPEATS and re.search(r"\\d|\[A-Z\]", regex):
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
                }
            )
    return config, proposals


# --- Evaluation ---------------------------------------------------------------------------


def evaluate_rulesets(
    candidate: RuleSet, baseline: RuleSet, held_out: dict[int, list[tuple[int, int, str]]]
) -> dict[str, Any]:
    from anonymizer.engine.analyzer import build_analyzer, detect_many, get_analyzer
    from anonymizer.engine.evaluation import GoldDoc, GoldSpan, evaluate

    texts = dict(Record.objects.filter(id__in=list(held_out)).values_list("id", "text"))
    ids = sorted(held_out)
    docs = [
        GoldDoc(str(rid), texts[rid], tuple(GoldSpan(s, e, lab) for s, e, lab in held_out[rid]))
        for rid in ids
    ]
    reports = {}
    for name, ruleset in (("candidate", candidate), ("baseline", baseline)):
        config = detection.ruleset_engine_config(ruleset)
        analyzer = get_analyzer(config) if ruleset.status == "active" else build_analyzer(config)
        predicted = list(detect_many([d.text for d in docs], analyzer=analyzer))
        reports[name] = evaluate(_to_gold_labels(docs), predicted).as_dict()
    return reports


def _to_gold_labels(docs: list[Any]) -> list[Any]:
    """Map the gold side through the same label mapping the evaluation applies to
    predictions, so Veil's own types compare like with like."""
    from anonymizer.engine.evaluation import TO_GOLD, GoldDoc, GoldSpan

    return [
        GoldDoc(
            d.id,
            d.text,
            tuple(GoldSpan(s.start, s.end, TO_GOLD.get(s.label, s.label)) for s in d.spans),
        )
        for d in docs
    ]


def regressions(report: dict[str, Any], tolerance: float = 0.0) -> list[str]:
    """Types the candidate recalls less well than the active rule set (every detected type
    must be masked under the fail-closed default policy)."""
    cand, base = report["candidate"]["per_entity"], report["baseline"]["per_entity"]
    worse = [
        label
        for label, b in base.items()
        if b["gold"] and cand.get(label, {"recall": 0.0})["recall"] < b["recall"] - tolerance
    ]
    if report["candidate"]["leak_rate"] > report["baseline"]["leak_rate"] + tolerance:
        worse.append("ALL (leak rate)")
    return sorted(worse)


def retrain_round(*, actor: Any) -> RuleSet:
    """Corrections from the training slice -> candidate draft -> evaluated on held-out."""
    active = detection.ruleset_active()
    items = list(reviewed_items())
    train = [i for i in items if not is_held_out(i.record_id)]
    held = [i for i in items if is_held_out(i.record_id)]
    found = corrections(ReviewItem.objects.filter(pk__in=[i.pk for i in train]))
    texts = dict(
        Record.objects.filter(id__in={c.record_id for c in found}).values_list("id", "text")
    )
    config, proposals = propose_changes(found, texts, dict(active.config))
    with transaction.atomic():
        draft = rulesets.ruleset_create_draft(
            actor=actor,
            based_on=active,
            notes=f"Candidate from {len(found)} corrections on {len(train)} reviewed records.",
        )
        rulesets.ruleset_update_draft(
            actor=actor,
            ruleset=draft,
            config=config,
            notes=draft.notes,
            validation_sample_rate=0.05,
        )
        draft.proposals = proposals
        draft.save(update_fields=["proposals"])
    report = evaluate_rulesets(
        draft, active, gold_spans(ReviewItem.objects.filter(pk__in=[i.pk for i in held]))
    )
    with transaction.atomic():
        evaluation = RuleSetEvaluation.objects.create(
            ruleset=draft,
            baseline=active,
            held_out_records=len(held),
            training_records=len(train),
            report=report,
            regressions=regressions(report),
        )
        audit_log(
            actor=actor,
            action="ruleset.evaluated",
            target=draft,
            payload={
                "version": draft.version,
                "baseline": active.version,
                "held_out": len(held),
                "training": len(train),
                "candidate_leak": report["candidate"]["leak_rate"],
                "baseline_leak": report["baseline"]["leak_rate"],
                "regressions": evaluation.regressions,
            },
        )
    return draft


def proposal_confirm(*, actor: Any, ruleset: RuleSet, index: int) -> RuleSet:
    """An officer confirms one proposed pattern: it moves into the draft's patterns."""
    if not ruleset.is_editable:
        raise rulesets.RuleSetError("Only a draft's proposals can be confirmed.")
    try:
        proposal = dict(ruleset.proposals[index])
    except (IndexError, TypeError):
        raise rulesets.RuleSetError("No such proposal.") from None
    proposal.pop("support", None)
    config = dict(ruleset.config)
    config["patterns"] = [*config.get("patterns", []), proposal]
    with transaction.atomic():
        rulesets.ruleset_update_draft(
            actor=actor,
            ruleset=ruleset,
            config=config,
            notes=ruleset.notes,
            validation_sample_rate=ruleset.validation_sample_rate,
        )
        ruleset.proposals = [p for i, p in enumerate(ruleset.proposals) if i != index]
        ruleset.save(update_fields=["proposals"])
        audit_log(
            actor=actor,
            action="ruleset.proposal_confirmed",
            target=ruleset,
            payload={
                "version": ruleset.version,
                "pattern": proposal["name"],
                "label": proposal["label"],
            },
        )
    return ruleset
