"""Reads for the review pages, and the reviewed span set used by exports.

The record page costs a fixed number of queries whatever the number of spans: the item with
its record and batch, its spans (with their detected provenance), the risk assessment, the
recent decisions and the batch's policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from anonymizer.engine.labels import LABELS, info
from anonymizer.models import Policy, RiskAssessment, SourceBatch
from anonymizer.permissions import batches_for_user
from review.models import Decision, ItemState, ReviewItem, ReviewSpan, SpanStatus

REVIEW_PERM = "anonymizer.review_sourcebatch"
LABEL_CHOICES = tuple(sorted(LABELS))
RECENT_DECISIONS = 30


# --- Highlighting -------------------------------------------------------------------------


def _label_attrs(label: str) -> tuple[str, str]:
    return escape(label), escape(info(label).category)


def highlight(text: str, spans: Sequence[ReviewSpan]) -> SafeString:
    """The text as HTML: each span a <mark> carrying its label; every piece escaped.

    The text is sliced on the server and each slice escaped on its own, so markup in a ticket
    stays text. `data-o` is the piece's offset in code points, which the page script uses to
    turn a selection into offsets. Labels are shown by CSS (`attr(data-label)`), so they are
    not part of the text a reader selects.
    """
    out: list[str] = []
    cursor = 0
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        start, end = max(span.start, cursor), min(span.end, len(text))
        if end <= start:
            continue  # overlaps an earlier span (or past the end): shown in the list only
        if start > cursor:
            out.append(f'<span class="seg" data-o="{cursor}">{escape(text[cursor:start])}</span>')
        label, category = _label_attrs(span.label)
        out.append(
            f'<mark class="hl cat-{category} st-{span.status}" id="m-{span.pk}" '
            f'data-span="{span.pk}" data-o="{start}" data-label="{label}">'
            f"{escape(text[start:end])}</mark>"
        )
        cursor = end
    if cursor < len(text):
        out.append(f'<span class="seg" data-o="{cursor}">{escape(text[cursor:])}</span>')
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


def label_options(labels: Iterable[str], selected: str = "") -> SafeString:
    return mark_safe(  # noqa: S308 - escaped
        "".join(
            f'<option value="{escape(label)}"{" selected" if label == selected else ""}>'
            f"{escape(label)}</option>"
            for label in labels
        )
    )


def span_rows(
    rows: Sequence[SpanRow], *, act_url: str, version: int, csrf: str, can_act: bool
) -> SafeString:
    """The span list as HTML, built here rather than in a template loop: the record page's cost
    must not grow much with the number of spans. Every dynamic piece is escaped."""
    if not rows:
        return mark_safe('<li class="empty">No spans were detected in this record.</li>')
    url, token = escape(act_url), escape(csrf)
    out = []
    for row in rows:
        s = row.span
        meta = [s.get_status_display()]
        if s.origin == "added":
            meta.append("added")
        if row.score is not None:
            meta.append(f"{row.score:.2f}")
        meta += [row.recognizer, f"{s.start}–{s.end}"]
        form = ""
        if can_act:
            form = (
                f'<form class="decide" method="post" action="{url}" hx-post="{url}">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
                f'<input type="hidden" name="version" value="{version}">'
                f'<input type="hidden" name="span" value="{s.pk}">'
                '<button type="submit" name="action" value="accept" class="act-accept">Accept'
                "</button> "
                '<button type="submit" name="action" value="reject" class="secondary act-reject">'
                "Reject</button></form>"
            )
        out.append(
            f'<li class="span-row st-{escape(s.status)}" id="s-{s.pk}" data-span="{s.pk}" '
            f'data-start="{s.start}" data-end="{s.end}" data-label="{escape(s.label)}" '
            f'data-status="{escape(s.status)}">'
            f'<span class="badge cat-{escape(row.category)}">{escape(s.label)}</span> '
            f'<q class="span-text">{escape(row.text)}</q> '
            f'<span class="meta">{escape(" · ".join(meta))}</span>{form}</li>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


# --- Preview under the batch's policy -----------------------------------------------------


def policy_for_batch(batch: SourceBatch) -> Policy | None:
    """The approved policy that fits the batch best: exact data class and purpose first."""
    candidates = Policy.objects.filter(
        status=Policy.Status.APPROVED,
        data_class__in=["", batch.data_class],
        purpose__in=["", batch.purpose],
    ).only("id", "name", "version", "rules", "data_class", "purpose", "approved_at")

    def rank(p: Policy) -> tuple[int, float]:
        exact = (p.data_class == batch.data_class) + (p.purpose == batch.purpose)
        return exact, p.approved_at.timestamp() if p.approved_at else 0.0

    return max(candidates, key=rank, default=None)


def preview(text: str, spans: Iterable[ReviewSpan], policy: Policy | None) -> SafeString | None:
    """The transformed text under `policy`, replacements marked. Pseudonyms are shown as a
    placeholder: a reviewer must not see which token stands for which original."""
    if policy is None:
        return None
    from anonymizer.engine.transform import OperatorSpec, PolicySpec, Span, policy_from_dict
    from anonymizer.engine.transform import transform as run_transform

    spec = policy_from_dict(policy.rules)

    def hide(op: OperatorSpec, label: str) -> OperatorSpec:
        if op.operator != "pseudonymize":
            return op
        return OperatorSpec("replace", {"label": f"[{label} pseudonym]"})

    labels = {s.label for s in spans}
    safe = PolicySpec(
        rules={label: hide(spec.operator_for(label), label) for label in labels},
        default=hide(spec.default, "default"),
    )
    live = [Span(s.start, s.end, s.label) for s in spans if s.status != SpanStatus.REJECTED]
    result = run_transform(text, live, safe, b"preview-only")
    out: list[str] = []
    cursor = 0
    for change in result.changes:
        out.append(escape(result.text[cursor : change.new_start]))
        out.append(
            f'<ins class="op-{escape(change.operator)}" title="{escape(change.label)}: '
            f'{escape(change.operator)}">{escape(result.text[change.new_start : change.new_end])}'
            "</ins>"
        )
        cursor = change.new_end
    out.append(escape(result.text[cursor:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece above is escaped


# --- The record page ----------------------------------------------------------------------


@dataclass
class SpanRow:
    span: ReviewSpan
    text: str  # the covered text; the template escapes it
    category: str
    score: float | None
    recognizer: str


@dataclass
class RecordPage:
    item: ReviewItem
    rows: list[SpanRow]
    highlighted: SafeString
    preview: SafeString | None
    policy: Policy | None
    risk: RiskAssessment | None
    decisions: list[Decision]
    pending: int
    can_act: bool
    mode: str  # "review" (reviewer holds it), "officer" (officer holds it), "read" (look only)
    labels: tuple[str, ...]
    is_officer: bool
    other_holder: str | None  # who else holds a live lease on it

    @property
    def label_options(self) -> SafeString:
        return label_options(self.labels)

    @property
    def add_label_options(self) -> SafeString:
        """For a missed span: PERSON first chosen, the type reviewers add most."""
        return label_options(self.labels, selected="PERSON")


def item_with_record(public_id: Any) -> ReviewItem | None:
    return (
        ReviewItem.objects.select_related("record", "batch", "escalated_by", "holder")
        .filter(public_id=public_id)
        .first()
    )


def record_page(
    item: ReviewItem, *, user: Any, is_officer: bool, with_risk: bool = True
) -> RecordPage:
    text = item.record.text
    spans = list(
        ReviewSpan.objects.filter(item=item).select_related("detected").order_by("start", "id")
    )
    rows = [
        SpanRow(
            span=s,
            text=text[s.start : s.end],
            category=info(s.label).category,
            score=s.detected.score if s.detected else None,
            recognizer=s.detected.recognizer if s.detected else "reviewer",
        )
        for s in spans
    ]
    policy = policy_for_batch(item.batch)
    now = timezone.now()
    held = item.is_held_by(user, now)
    other = item.holder if item.lease_is_live(now) and not held else None
    if held and item.state == ItemState.OPEN:
        mode = "review"
    elif held and item.state == ItemState.ESCALATED and is_officer:
        mode = "officer"
    else:
        mode = "read"
    decisions = list(
        Decision.objects.filter(record_id=item.record_id)
        .select_related("actor")
        .order_by("-id")[:RECENT_DECISIONS]
    )
    labels = tuple(sorted(set(LABEL_CHOICES) | {s.label for s in spans}))
    return RecordPage(
        item=item,
        rows=rows,
        highlighted=highlight(text, spans),
        preview=preview(text, spans, policy),
        policy=policy,
        risk=RiskAssessment.objects.filter(run_id=item.run_id, record_id=item.record_id).first()
        if with_risk
        else None,
        decisions=decisions,
        pending=sum(1 for s in spans if s.status == SpanStatus.PENDING),
        can_act=mode != "read",
        mode=mode,
        labels=labels,
        is_officer=is_officer,
        other_holder=other.get_username() if other is not None else None,
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
    batches = list(batches_for_user(user, REVIEW_PERM).order_by("-created_at"))
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


def escalations(user: Any, limit: int = 200) -> list[Escalation]:
    """Escalated records of the batches the officer can see, oldest first, with the note."""
    items = list(
        ReviewItem.objects.filter(
            state=ItemState.ESCALATED, batch__in=batches_for_user(user).values("id")
        )
        .select_related("batch", "record", "escalated_by", "holder")
        .order_by("escalated_at", "id")[:limit]
    )
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
