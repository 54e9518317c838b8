"""Reads for the review pages, and the reviewed span set used by exports. Reads only: the HTML
is built by the templates and review.rendering.

The record page costs a fixed number of queries whatever the number of spans: the item with
its record and batch, its spans (with their detected provenance), the risk assessment, the
recent decisions and the batch's policy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, QuerySet, TextChoices
from django.utils import timezone

from anonymizer.engine.labels import LABELS, info
from anonymizer.engine.transform import (
    OperatorSpec,
    PolicySpec,
    Span,
    TransformResult,
    policy_from_dict,
    transform,
)
from anonymizer.models import DetectedSpan, Policy, RiskAssessment, SourceBatch
from anonymizer.permissions import REVIEW, batches_for_user
from anonymizer.policies.selectors import policy_for_batch
from anonymizer.roles import REVIEWER
from audit.selectors import between
from review.models import Decision, ItemState, ReviewItem, ReviewSpan, SpanStatus

LABEL_CHOICES = tuple(sorted(LABELS))
ADD_LABEL = "PERSON"  # first chosen for a missed span: the type reviewers add most
RECENT_DECISIONS = 30


class Mode(StrEnum):
    """What the viewer may do on the record page (the page script's key table follows it)."""

    REVIEW = "review"  # the reviewer holds it
    OFFICER = "officer"  # an officer holds the escalation
    READ = "read"  # look only


# --- Preview under the batch's policy -----------------------------------------------------


def preview(
    text: str, spans: Iterable[ReviewSpan], policy: Policy | None
) -> TransformResult | None:
    """The text transformed under `policy` (review.rendering marks the replacements), or None
    without a policy. Pseudonyms and surrogates become a placeholder: a reviewer must not see
    which token or fake stands for which original."""
    if policy is None:
        return None
    spec = policy_from_dict(policy.rules)

    def hide(op: OperatorSpec, label: str) -> OperatorSpec:
        if op.operator not in ("pseudonymize", "surrogate"):  # keyed: a mapping to hide
            return op
        word = "pseudonym" if op.operator == "pseudonymize" else "surrogate"
        return OperatorSpec("replace", {"label": f"[{label} {word}]"})

    labels = {s.label for s in spans}
    safe = PolicySpec(
        rules={label: hide(spec.operator_for(label), label) for label in labels},
        default=hide(spec.default, "default"),
    )
    live = [Span(s.start, s.end, s.label) for s in spans if s.status != SpanStatus.REJECTED]
    return transform(text, live, safe, b"preview-only")


# --- The record page ----------------------------------------------------------------------


@dataclass
class SpanRow:
    span: ReviewSpan
    text: str  # the covered text; review.rendering escapes it
    category: str
    score: float | None
    recognizer: str


@dataclass
class RecordPage:
    item: ReviewItem
    rows: list[SpanRow]
    preview: TransformResult | None
    policy: Policy | None
    risk: RiskAssessment | None
    decisions: list[Decision]
    pending: int
    can_act: bool
    mode: Mode
    labels: tuple[str, ...]
    is_officer: bool
    other_holder: str | None  # who else holds a live lease on it
    add_label: str = ADD_LABEL

    @property
    def spans(self) -> list[ReviewSpan]:
        return [row.span for row in self.rows]


def item_with_record(public_id: Any) -> ReviewItem | None:
    return (
        ReviewItem.objects.select_related("record", "batch", "escalated_by", "holder")
        .filter(public_id=public_id)
        .first()
    )


def _mode(item: ReviewItem, *, held: bool, is_officer: bool) -> Mode:
    if held and item.state == ItemState.OPEN:
        return Mode.REVIEW
    if held and item.state == ItemState.ESCALATED and is_officer:
        return Mode.OFFICER
    return Mode.READ


def _span_rows(text: str, spans: Iterable[ReviewSpan]) -> list[SpanRow]:
    return [
        SpanRow(
            span=s,
            text=text[s.start : s.end],
            category=info(s.label).category,
            score=s.detected.score if s.detected else None,
            recognizer=s.detected.recognizer if s.detected else "reviewer",
        )
        for s in spans
    ]


def _other_holder(item: ReviewItem, *, held: bool, now: datetime) -> str | None:
    other = item.holder if item.lease_is_live(now) and not held else None
    return other.get_username() if other is not None else None


def _review_spans(item: ReviewItem) -> list[ReviewSpan]:
    """The item's review spans; before its first lease (when they are copied in) the run's
    detections as unsaved review spans, so that a look at the record shows what was found and
    the preview transforms it (a GET writes nothing)."""
    if item.spans_ready:
        return list(
            ReviewSpan.objects.filter(item=item).select_related("detected").order_by("start", "id")
        )
    detected = DetectedSpan.objects.filter(run_id=item.run_id, record_id=item.record_id)
    return [
        ReviewSpan(pk=-d.pk, item=item, detected=d, origin=ReviewSpan.Origin.DETECTED,
                   start=d.start, end=d.end, label=d.label)
        for d in detected.order_by("start", "id")
    ]


def record_page(
    item: ReviewItem, *, user: Any, is_officer: bool, with_risk: bool = True
) -> RecordPage:
    text = item.record.text
    spans = _review_spans(item)
    policy = policy_for_batch(item.batch)
    now = timezone.now()
    held = item.is_held_by(user, now)
    mode = _mode(item, held=held, is_officer=is_officer)
    decisions = list(
        Decision.objects.filter(record_id=item.record_id)
        .select_related("actor")
        .order_by("-id")[:RECENT_DECISIONS]
    )
    return RecordPage(
        item=item,
        rows=_span_rows(text, spans),
        preview=preview(text, spans, policy),
        policy=policy,
        risk=RiskAssessment.objects.filter(run_id=item.run_id, record_id=item.record_id).first()
        if with_risk
        else None,
        decisions=decisions,
        pending=sum(1 for s in spans if s.status == SpanStatus.PENDING),
        can_act=mode != Mode.READ,
        mode=mode,
        labels=tuple(sorted(set(LABEL_CHOICES) | {s.label for s in spans})),
        is_officer=is_officer,
        other_holder=_other_holder(item, held=held, now=now),
    )


# --- Queues -------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchQueue:
    batch: SourceBatch
    waiting: int
    leased: int
    escalated: int
    done: int


def reviewer_queues(user: Any) -> list[BatchQueue]:
    """Per assigned batch: records waiting, leased, escalated and done."""
    now = timezone.now()
    batches = list(batches_for_user(user, REVIEW).order_by("-created_at"))
    rows = (
        ReviewItem.objects.filter(batch__in=batches)
        .values("batch_id")
        .annotate(
            waiting=Count(
                "id",
                filter=Q(state=ItemState.OPEN)
                & (Q(holder__isnull=True) | Q(lease_expires_at__lte=now)),
            ),
            leased=Count("id", filter=Q(state=ItemState.OPEN, lease_expires_at__gt=now)),
            escalated=Count("id", filter=Q(state=ItemState.ESCALATED)),
            done=Count("id", filter=Q(state=ItemState.DONE)),
        )
        .order_by()
    )
    by_batch = {r["batch_id"]: r for r in rows}
    empty = {"waiting": 0, "leased": 0, "escalated": 0, "done": 0}
    return [
        BatchQueue(batch=b, **{k: by_batch.get(b.pk, empty)[k] for k in empty}) for b in batches
    ]


def held_item(user: Any) -> ReviewItem | None:
    """The open record the user holds a live lease on, if any."""
    return (
        ReviewItem.objects.filter(
            holder=user, state=ItemState.OPEN, lease_expires_at__gt=timezone.now()
        )
        .only("public_id")
        .first()
    )


@dataclass(frozen=True)
class Escalation:
    item: ReviewItem
    note: str


class EscalationStatus(TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved or returned"
    ANY = "any", "Open or resolved"


ESCALATION_SORTS = {"oldest": ("escalated_at", "id"), "newest": ("-escalated_at", "-id")}


@dataclass(frozen=True)
class EscalationFilters:
    status: str = EscalationStatus.OPEN
    batch: str = ""
    escalated_by: int | None = None
    older_than: int | None = None  # days since escalation
    date_from: date | None = None
    date_to: date | None = None
    sort: str = "oldest"


def escalation_filters(params: Any) -> EscalationFilters:
    """The list's GET parameters, unknown or malformed values dropped (never an error)."""
    return EscalationFilters(
        status=pick(params, "status", EscalationStatus.values, EscalationStatus.OPEN),
        batch=uuid_param(params, "batch"),
        escalated_by=int_param(params, "escalated_by"),
        older_than=int_param(params, "older_than"),
        date_from=date_param(params, "date_from"),
        date_to=date_param(params, "date_to"),
        sort=pick(params, "sort", ESCALATION_SORTS, "oldest"),
    )


def escalations_listed(user: Any, filters: EscalationFilters) -> QuerySet[ReviewItem]:
    """Records escalated in the batches the user can see (open ones: still waiting for an
    officer; resolved: marked reviewed or returned to the reviewer), in the chosen order."""
    items = ReviewItem.objects.filter(
        escalated_at__isnull=False, batch__in=batches_for_user(user).values("id")
    )
    if filters.status == EscalationStatus.OPEN:
        items = items.filter(state=ItemState.ESCALATED)
    elif filters.status == EscalationStatus.RESOLVED:
        items = items.exclude(state=ItemState.ESCALATED)
    if filters.batch:
        items = items.filter(batch__public_id=filters.batch)
    if filters.escalated_by is not None:
        items = items.filter(escalated_by_id=filters.escalated_by)
    if filters.older_than is not None:
        items = items.filter(escalated_at__lt=timezone.now() - timedelta(days=filters.older_than))
    items = items.filter(between("escalated_at", filters.date_from, filters.date_to))
    return (
        items.select_related("batch", "record", "escalated_by", "holder")
        .defer("record__text", "record__fields")  # the list never shows record text
        .order_by(*ESCALATION_SORTS[filters.sort])
    )


def escalation_rows(items: QuerySet[ReviewItem], pks: list[int]) -> list[Escalation]:
    """The items of one page (their `pks`, in order; a deep page pages on the ids alone) with
    the note of their latest escalation, in two queries."""
    found = {i.pk: i for i in items.filter(pk__in=pks)}
    items = [found[pk] for pk in pks]
    notes: dict[int, str] = {}
    for record_id, reason in (
        Decision.objects.filter(
            record_id__in=[i.record_id for i in items], action=Decision.Action.ESCALATE
        )
        .order_by("id")
        .values_list("record_id", "reason")
    ):
        notes[record_id] = reason  # the latest escalation's note wins
    return [Escalation(item=i, note=notes.get(i.record_id, "")) for i in items]


def escalations(user: Any, limit: int = 200) -> list[Escalation]:
    """Open escalations of the batches the officer can see, oldest first, with the note."""
    items = escalations_listed(user, EscalationFilters())
    return escalation_rows(items, list(items.values_list("pk", flat=True)[:limit]))


def reviewers_all() -> QuerySet[Any]:
    """Everyone in the reviewer group, by name (the lists' reviewer filters)."""
    return get_user_model().objects.filter(groups__name=REVIEWER).order_by("username")


# --- Query parameters of the list pages ---------------------------------------------------


def pick(params: Any, name: str, allowed: Iterable[str], default: str = "") -> str:
    value = params.get(name, "")
    return value if value in allowed else default


def int_param(params: Any, name: str) -> int | None:
    value = str(params.get(name, "")).strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


def date_param(params: Any, name: str) -> date | None:
    try:
        return date.fromisoformat(str(params.get(name, "")).strip())
    except ValueError:
        return None


def uuid_param(params: Any, name: str) -> str:
    try:
        return str(UUID(str(params.get(name, "")).strip()))
    except ValueError:
        return ""


# --- For exports --------------------------------------------------------------------------


def reviewed_spans_for_records(record_ids: Iterable[int]) -> dict[int, list[ReviewSpan]]:
    """The span set a person settled, for each record whose review is done (an empty list
    when every span was rejected). Records not reviewed are absent: exports use the machine's
    spans for those."""
    done = list(
        ReviewItem.objects.filter(record_id__in=list(record_ids), state=ItemState.DONE).values_list(
            "id", "record_id"
        )
    )
    result: dict[int, list[ReviewSpan]] = {record_id: [] for _, record_id in done}
    record_of = dict(done)
    for span in (
        ReviewSpan.objects.filter(item_id__in=list(record_of))
        .exclude(status=SpanStatus.REJECTED)
        .order_by("item_id", "start")
        .only("item_id", "start", "end", "label")
    ):
        result[record_of[span.item_id]].append(span)
    return result
