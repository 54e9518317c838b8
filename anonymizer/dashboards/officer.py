"""Reads for the privacy officer's part of the home page: risk across the batches they can see,
the escalations waiting, detection quality per rule-set version (precision from reviewers'
decisions, held-out leak from stored evaluations), the privacy budget left per dataset, and
what waits for a second officer. A fixed number of queries, whatever the number of batches;
the four-eyes lists cost one or two queries per pending candidate (a handful)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.timesince import timesince

from anonymizer import permissions
from anonymizer.charts import TIER_COLOURS, Chart, Series, percent
from anonymizer.models import (
    DetectedSpan,
    NerModel,
    Policy,
    PrivacyBudgetEntry,
    RiskAssessment,
    RuleSet,
    RuleSetEvaluation,
    SourceBatch,
)
from anonymizer.rulesets.selectors import activation_gate
from anonymizer.words import say
from review.models import ItemState, ReviewItem, ReviewSpan, SpanStatus

ENTITY_TYPES_SHOWN = 10
EVALUATIONS_SHOWN = 30
CANDIDATES_SHOWN = 20


def _current_runs(batches: QuerySet[SourceBatch]) -> QuerySet[SourceBatch]:
    return batches.filter(current_run__isnull=False).values("current_run_id")


# --- Risk across batches ------------------------------------------------------------------


def tier_chart(batches: QuerySet[SourceBatch]) -> Chart:
    """Records by risk tier, over the current run of every batch."""
    counted = dict(
        RiskAssessment.objects.filter(run_id__in=_current_runs(batches))
        .values("tier")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("tier", "n")
    )
    tiers = ("high", "medium", "low")
    return Chart(
        id="chart-tiers",
        title="Records by risk tier",
        kind="bar",
        categories=[say("tier", t) for t in tiers],
        series=[
            Series("Records", [counted.get(t, 0) for t in tiers], [TIER_COLOURS[t] for t in tiers])
        ],
        column_title="Tier",
        unit="records",
        note="Over the latest detection run of every batch you can see.",
    )


def entity_chart(batches: QuerySet[SourceBatch]) -> Chart:
    """Detected spans by entity type (the most frequent types, the rest as "Other")."""
    rows = list(
        DetectedSpan.objects.filter(run_id__in=_current_runs(batches))
        .values("label")
        .annotate(n=Count("id"))
        .order_by("-n", "label")
        .values_list("label", "n")
    )
    shown, rest = rows[:ENTITY_TYPES_SHOWN], rows[ENTITY_TYPES_SHOWN:]
    categories = [say("label", label) for label, _ in shown]
    values = [n for _, n in shown]
    if rest:
        categories.append(f"Other ({len(rest)} types)")
        values.append(sum(n for _, n in rest))
    return Chart(
        id="chart-entities",
        title="Detected spans by entity type",
        kind="bar",
        categories=categories,
        series=[Series("Spans", values, "accent")],
        horizontal=True,
        column_title="Entity type",
        note="Spans the latest detection run of each batch found, before review.",
    )


# --- Escalations waiting ------------------------------------------------------------------


@dataclass(frozen=True)
class EscalationAges:
    count: int
    oldest: timedelta | None
    median: timedelta | None
    oldest_item: ReviewItem | None

    @property
    def oldest_words(self) -> str:
        return age_words(self.oldest)

    @property
    def median_words(self) -> str:
        return age_words(self.median)


def age_words(age: timedelta | None) -> str:
    """"3 days, 4 hours" (two units at most), "0 minutes" under a minute."""
    if age is None:
        return ""
    now = timezone.now()
    return timesince(now - age, now, depth=2)


def escalation_ages(batches: QuerySet[SourceBatch], now: datetime | None = None) -> EscalationAges:
    """Escalated records waiting for an officer, and how long they have waited."""
    now = now or timezone.now()
    items = list(
        ReviewItem.objects.filter(state=ItemState.ESCALATED, batch__in=batches.values("id"))
        .order_by("escalated_at", "id")
        .only("public_id", "escalated_at")
    )
    ages = [now - (i.escalated_at or now) for i in items]
    return EscalationAges(
        count=len(items),
        oldest=ages[0] if ages else None,
        median=statistics.median(ages) if ages else None,
        oldest_item=items[0] if items else None,
    )


# --- Quality per rule-set version ---------------------------------------------------------


def precision_by_version(batches: QuerySet[SourceBatch]) -> dict[int, tuple[int, int]]:
    """Per rule-set version: (accepted, rejected) machine spans a person decided. A span
    relabelled or moved counts as accepted (it was personal data); rejected is a false
    positive."""
    rows = (
        ReviewSpan.objects.filter(
            detected__isnull=False,
            status__in=(SpanStatus.ACCEPTED, SpanStatus.REJECTED),
            item__batch__in=batches.values("id"),
        )
        .values("detected__ruleset_version")
        .annotate(
            accepted=Count("id", filter=Q(status=SpanStatus.ACCEPTED)),
            rejected=Count("id", filter=Q(status=SpanStatus.REJECTED)),
        )
        .order_by()
    )
    return {r["detected__ruleset_version"]: (r["accepted"], r["rejected"]) for r in rows}


@dataclass(frozen=True)
class EvaluationRow:
    at: datetime
    version: int
    baseline: int
    model: str  # "base model" or "model v3"
    held_out: int
    leak: float | None  # candidate's held-out leak, percent
    baseline_leak: float | None
    precision: float | None  # candidate's span precision on the held-out records, percent
    recall: float | None
    regressions: list[str]


def _pct(value: Any) -> float | None:
    return None if value is None else round(100.0 * float(value), 2)


def evaluations(limit: int = EVALUATIONS_SHOWN) -> list[EvaluationRow]:
    """The stored evaluations, oldest first (the latest `limit`), with the NER model each used
    by its version; two queries."""
    found = list(
        RuleSetEvaluation.objects.select_related("ruleset", "baseline").order_by(
            "-created_at", "-id"
        )[:limit]
    )
    models = dict(
        NerModel.objects.filter(sha256__in={e.ner_model_sha256 for e in found} - {""})
        .values_list("sha256", "version")
    )
    rows = []
    for e in reversed(found):
        cand, base = e.report.get("candidate", {}), e.report.get("baseline", {})
        digest = e.ner_model_sha256
        rows.append(EvaluationRow(
            at=e.created_at,
            version=e.ruleset.version,
            baseline=e.baseline.version,
            model=("base model" if not digest else
                   f"model v{models[digest]}" if digest in models else "unregistered model"),
            held_out=e.held_out_records,
            leak=_pct(cand.get("leak_rate")),
            baseline_leak=_pct(base.get("leak_rate")),
            precision=_pct(cand.get("precision")),
            recall=_pct(cand.get("recall")),
            regressions=list(e.regressions),
        ))
    return rows


def leak_by_version() -> dict[int, float | None]:
    """Each version's held-out leak in percent, from every stored evaluation (one query): its
    latest evaluation as the candidate; a version never evaluated as a candidate (v1) takes
    the latest evaluation that used it as the baseline."""
    as_baseline: dict[int, float | None] = {}
    as_candidate: dict[int, float | None] = {}
    for version, baseline, leak, baseline_leak in RuleSetEvaluation.objects.order_by(
        "created_at", "id"
    ).values_list(
        "ruleset__version",
        "baseline__version",
        "report__candidate__leak_rate",
        "report__baseline__leak_rate",
    ):  # oldest first: later evaluations overwrite earlier ones
        as_candidate[version] = _pct(leak)
        as_baseline[baseline] = _pct(baseline_leak)
    return {**as_baseline, **as_candidate}


def learning_curve(precision: dict[int, tuple[int, int]], leak: dict[int, float | None]) -> Chart:
    """Held-out leak and precision from decisions, per rule-set version in order."""
    versions = sorted(set(precision) | set(leak))
    return Chart(
        id="chart-learning",
        title="Learning curve: leak and precision per rule-set version",
        kind="line",
        categories=[f"v{v}" for v in versions],
        series=[
            Series("Held-out leak %", [leak.get(v) for v in versions], "high"),
            Series(
                "Precision from decisions %",
                [percent(*_accepted_of(precision.get(v))) for v in versions],
                "accent",
            ),
        ],
        unit="%",
        column_title="Rule-set version",
        note="Leak: share of personal-data characters in held-out reviewed records that no "
        "detected span covers (lower is better). Precision: accepted / (accepted + rejected) "
        "of the spans the version found that a person decided (higher is better).",
    )


def _accepted_of(pair: tuple[int, int] | None) -> tuple[int, int]:
    accepted, rejected = pair or (0, 0)
    return accepted, accepted + rejected


# --- Privacy budget -----------------------------------------------------------------------


@dataclass(frozen=True)
class Budget:
    batch_name: str
    batch_public_id: Any
    releases: int
    spent: float
    total: float

    @property
    def left(self) -> float:
        return round(max(self.total - self.spent, 0.0), 6)


def privacy_budgets(batches: QuerySet[SourceBatch]) -> list[Budget]:
    """Per dataset (batch) with differentially private releases: epsilon spent of the total
    the latest release's policy set (the DP ledger, anonymizer.models.PrivacyBudgetEntry)."""
    latest_total = (
        PrivacyBudgetEntry.objects.filter(batch=OuterRef("batch"))
        .order_by("-created_at", "-id")
        .values("total_budget")[:1]
    )
    rows = (
        PrivacyBudgetEntry.objects.filter(batch__in=batches.values("id"))
        .values("batch", "batch__name", "batch__public_id")
        .annotate(
            releases=Count("id"),
            spent=Sum("epsilon"),
            total=Subquery(latest_total),
            last=Max("created_at"),
        )
        .order_by("-last")
    )
    return [
        Budget(
            batch_name=r["batch__name"],
            batch_public_id=r["batch__public_id"],
            releases=r["releases"],
            spent=round(float(r["spent"]), 6),
            total=float(r["total"]),
        )
        for r in rows
    ]


# --- Four eyes ----------------------------------------------------------------------------


def policies_awaiting(user: Any, limit: int = CANDIDATES_SHOWN) -> list[Policy]:
    """Pending policy versions this officer may approve (they neither wrote nor edited them)."""
    pending = Policy.objects.filter(status=Policy.Status.PENDING).select_related("authored_by")
    return [
        p
        for p in pending.order_by("submitted_at", "id")[:limit]
        if permissions.may_approve_policy(user, p)
    ]


def rulesets_awaiting(user: Any, limit: int = CANDIDATES_SHOWN) -> list[tuple[RuleSet, Any]]:
    """Draft rule sets this officer may activate (they neither built nor edited them), each
    with its regression gate."""
    drafts = RuleSet.objects.filter(status=RuleSet.Status.DRAFT).select_related("created_by")
    return [
        (r, activation_gate(r))
        for r in drafts.order_by("version")[:limit]
        if permissions.may_activate_ruleset(user, r)
    ]
