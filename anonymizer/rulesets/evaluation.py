"""A candidate rule set against the active one, on held-out reviewed records."""

from __future__ import annotations

from typing import Any

from anonymizer.engine.evaluation import TO_GOLD, GoldDoc, GoldSpan, evaluate, load_gold
from anonymizer.models import Record, RuleSet
from anonymizer.rulesets.selectors import ruleset_engine_config


def evaluate_rulesets(
    candidate: RuleSet, baseline: RuleSet, held_out: dict[int, list[tuple[int, int, str]]]
) -> dict[str, Any]:
    """Candidate and baseline on held-out reviewed records (their settled span sets)."""
    texts = dict(Record.objects.filter(id__in=list(held_out)).values_list("id", "text"))
    docs = [
        GoldDoc(str(rid), texts[rid], tuple(GoldSpan(s, e, lab) for s, e, lab in held_out[rid]))
        for rid in sorted(held_out)
    ]
    return compare(candidate, baseline, _to_gold_labels(docs))


def evaluate_on_file(candidate: RuleSet, baseline: RuleSet, path: str) -> dict[str, Any]:
    """Candidate and baseline on a fixed gold JSONL file (already in the common label set)."""
    with open(path, encoding="utf-8") as handle:
        docs = load_gold(handle.read().splitlines())
    return {"documents": len(docs), **compare(candidate, baseline, docs)}


def compare(candidate: RuleSet, baseline: RuleSet, docs: list[GoldDoc]) -> dict[str, Any]:
    """Each rule set's evaluation report on the same gold documents."""
    # Presidio and spaCy take seconds to import: only an evaluation pays for them.
    from anonymizer.engine.analyzer import build_analyzer, detect_many, get_analyzer

    reports = {}
    for name, ruleset in (("candidate", candidate), ("baseline", baseline)):
        config = ruleset_engine_config(ruleset)
        analyzer = get_analyzer(config) if ruleset.status == "active" else build_analyzer(config)
        predicted = list(detect_many([d.text for d in docs], analyzer=analyzer))
        reports[name] = evaluate(docs, predicted).as_dict()
    return reports


def _to_gold_labels(docs: list[Any]) -> list[Any]:
    """Map the gold side through the same label mapping the evaluation applies to
    predictions, so Veil's own types compare like with like."""
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
