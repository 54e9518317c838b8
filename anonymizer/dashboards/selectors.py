"""Reads for the reviewer's and the admin's parts of the home page (the officer's are in
anonymizer.dashboards.officer). Each costs a fixed number of queries, whatever the number of
batches, records or decisions.

Agreement with officers, precisely (also on the page and in /help/): every time the reviewer
escalates a record, that escalation ends in one of three ways: an officer marks the record
reviewed ("resolved"), an officer returns it to the reviewer ("returned"), or it is still
waiting. Of the resolved ones, the reviewer and the officer *agreed* when, between the
escalation and the resolution, the officer changed none of the spans as the reviewer left them
(every span the reviewer had accepted or rejected ends with the same bounds, type and
accept/reject) and added no span that goes out. Spans the reviewer left undecided may be
decided either way without counting against them. Agreement rate = agreed / resolved. A record
the user resolved themselves (a user who is also an officer) is not counted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from redis.exceptions import RedisError

from anonymizer import permissions, queues
from anonymizer.batches.selectors import (
    BatchListFilters,
    Stage,
    batches_listed,
    batches_with_stage,
)
from anonymizer.charts import Chart, Series, percent
from anonymizer.models import ExportedDataset, SourceBatch
from review.models import Decision, ItemState, Priority, ReviewItem

A = Decision.Action
SPAN_ACTIONS = (A.ACCEPT, A.REJECT, A.RELABEL, A.ADJUST, A.ADD, A.ACCEPT_ALL)
FINISHING = (A.SUBMIT, A.ESCALATE)
PENDING = "pending"


# --- Reviewer: my queue per batch ---------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    """One batch the reviewer may review: the records waiting for them, by tier."""

    batch: SourceBatch
    high: int
    medium: int
    sample: int  # low-tier records sampled into the queue as a check
    returned: int  # of those waiting, returned to this reviewer by an officer
    escalated: int  # with an officer now
    done: int

    @property
    def waiting(self) -> int:
        return self.high + self.medium + self.sample


def reviewer_queue(user: Any, now: datetime | None = None) -> list[QueueRow]:
    """Per batch the user may review (newest first): open records nobody else holds a live
    lease on, by tier; in two queries."""
    now = now or timezone.now()
    batches = list(permissions.batches_for_user(user, permissions.REVIEW).order_by("-created_at"))
    mine = Q(state=ItemState.OPEN) & (
        Q(holder__isnull=True) | Q(lease_expires_at__lte=now) | Q(holder=user)
    )
    counts = {
        row["batch_id"]: row
        for row in ReviewItem.objects.filter(batch_id__in=[b.pk for b in batches])
        .values("batch_id")
        .annotate(
            high=Count("id", filter=mine & Q(priority=Priority.HIGH)),
            medium=Count("id", filter=mine & Q(priority=Priority.MEDIUM)),
            sample=Count("id", filter=mine & Q(priority=Priority.LOW_SAMPLE)),
            returned=Count("id", filter=mine & Q(returned_to=user)),
            escalated=Count("id", filter=Q(state=ItemState.ESCALATED)),
            done=Count("id", filter=Q(state=ItemState.DONE)),
        )
        .order_by()
    }
    fields = ("high", "medium", "sample", "returned", "escalated", "done")
    return [
        QueueRow(batch=b, **{f: counts.get(b.pk, {}).get(f, 0) for f in fields}) for b in batches
    ]


def queue_chart(rows: list[QueueRow], limit: int = 12) -> Chart:
    """Records waiting for the reviewer, by tier, in the batches where any wait."""
    shown = [r for r in rows if r.waiting][:limit]
    return Chart(
        id="chart-my-queue",
        title="Records waiting for you, by tier",
        kind="bar",
        categories=[r.batch.name for r in shown],
        series=[
            Series("High", [r.high for r in shown], "high"),
            Series("Medium", [r.medium for r in shown], "medium"),
            Series("Low (sample)", [r.sample for r in shown], "low"),
        ],
        stacked=True,
        horizontal=True,
        column_title="Batch",
        unit="records",
    )


# --- Reviewer: throughput -----------------------------------------------------------------


@dataclass(frozen=True)
class DayCount:
    day: Any  # a date
    decisions: int  # span decisions: accept, reject, type, bounds, add, accept-all
    records: int  # records finished: submitted or escalated


@dataclass(frozen=True)
class Throughput:
    days: list[DayCount]  # the last 7 days, oldest first, today last
    week_start: Any

    @property
    def today(self) -> DayCount:
        return self.days[-1]

    @property
    def week(self) -> DayCount:
        since = [d for d in self.days if d.day >= self.week_start]
        return DayCount(
            day=self.week_start,
            decisions=sum(d.decisions for d in since),
            records=sum(d.records for d in since),
        )


def reviewer_throughput(user: Any, now: datetime | None = None) -> Throughput:
    """The user's own decisions per day over the last 7 days (in the server's time zone), in
    one query. The week starts on Monday."""
    now = timezone.localtime(now or timezone.now())
    today = now.date()
    first = today - timedelta(days=6)
    since = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    rows = (
        Decision.objects.filter(actor=user, at__gte=since)
        .annotate(day=TruncDate("at"))
        .values("day")
        .annotate(
            decisions=Count("id", filter=Q(action__in=SPAN_ACTIONS)),
            records=Count("id", filter=Q(action__in=FINISHING)),
        )
        .order_by()
    )
    by_day = {r["day"]: r for r in rows}
    days = [
        DayCount(
            day=d,
            decisions=by_day.get(d, {}).get("decisions", 0),
            records=by_day.get(d, {}).get("records", 0),
        )
        for d in (first + timedelta(days=i) for i in range(7))
    ]
    return Throughput(days=days, week_start=today - timedelta(days=today.weekday()))


def throughput_chart(throughput: Throughput) -> Chart:
    return Chart(
        id="chart-my-throughput",
        title="Your decisions, last 7 days",
        kind="bar",
        categories=[d.day.strftime("%a %d") for d in throughput.days],
        series=[
            Series("Span decisions", [d.decisions for d in throughput.days], "accent"),
            Series("Records finished", [d.records for d in throughput.days], "muted"),
        ],
        column_title="Day",
    )


# --- Reviewer: agreement with officers ----------------------------------------------------


@dataclass(frozen=True)
class Agreement:
    resolved: int
    agreed: int
    returned: int
    waiting: int

    @property
    def rate(self) -> float | None:
        return percent(self.agreed, self.resolved)


def reviewer_agreement(user: Any) -> Agreement:
    """How the user's escalations ended (the module docstring defines agreement), in two
    queries: the user's escalations, then what followed them on those records."""
    mine = list(
        Decision.objects.filter(actor=user, action=A.ESCALATE)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if not mine:
        return Agreement(0, 0, 0, 0)
    mine_set = set(mine)
    trail: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in (
        Decision.objects.filter(
            record_id__in=Decision.objects.filter(pk__in=mine).values("record_id"),
            id__gte=mine[0],
            action__in=(*SPAN_ACTIONS, A.ESCALATE, A.RESOLVE, A.RETURN),
        )
        .order_by("record_id", "id")
        .values_list("record_id", "id", "actor_id", "action", "review_span_id", "before", "after")
    ):
        trail[row[0]].append(row[1:])
    tally = {"resolved": 0, "agreed": 0, "returned": 0, "waiting": 0}
    for decisions in trail.values():
        _tally_record(decisions, mine_set, user.pk, tally)
    return Agreement(**tally)


def _tally_record(
    decisions: list[tuple[Any, ...]], mine: set[int], user_id: int, tally: dict[str, int]
) -> None:
    """Walk one record's decisions in order: each of the user's escalations opens a window
    that the next resolve or return closes."""
    window: list[tuple[Any, ...]] | None = None
    for decision_id, actor_id, action, span_id, before, after in decisions:
        if decision_id in mine:
            window = []
        elif window is None:
            continue
        elif action == A.RETURN:
            tally["returned"] += 1
            window = None
        elif action == A.RESOLVE:
            if actor_id != user_id:
                tally["resolved"] += 1
                tally["agreed"] += int(_agreed(window))
            window = None
        elif action in SPAN_ACTIONS:
            window.append((action, span_id, before, after))
    if window is not None:
        tally["waiting"] += 1


def _agreed(window: Iterable[tuple[Any, ...]]) -> bool:
    """Whether the officer left the reviewer's decided spans as they were and added none."""
    first_before: dict[int, dict[str, Any]] = {}
    last_after: dict[int, dict[str, Any]] = {}
    added: set[int] = set()
    for action, span_id, before, after in window:
        if action == A.ACCEPT_ALL or span_id is None:
            continue  # accept-all only ever accepts undecided spans
        if action == A.ADD:
            added.add(span_id)
        elif span_id not in added:
            first_before.setdefault(span_id, before)
        last_after[span_id] = after
    changed = any(
        before.get("status") != PENDING and last_after[span_id] != before
        for span_id, before in first_before.items()
    )
    kept_added = any(last_after[span_id].get("status") != "rejected" for span_id in added)
    return not changed and not kept_added


# --- Admin: batches, exports, workers -----------------------------------------------------


def admin_batches(user: Any, limit: int = 10) -> list[SourceBatch]:
    """The newest batches with their life-cycle stage and progress (the batch list's query)."""
    return list(batches_listed(permissions.batches_for_user(user), BatchListFilters())[:limit])


def stage_counts(user: Any) -> list[tuple[str, str, int]]:
    """(stage, its words, how many batches are there) for every stage, in one query."""
    counted = dict(
        batches_with_stage(permissions.batches_for_user(user))
        .order_by()
        .values("stage")
        .annotate(n=Count("id"))
        .values_list("stage", "n")
    )
    return [(value, label, counted.get(value, 0)) for value, label in Stage.choices]


def recent_exports(user: Any, limit: int = 10) -> list[ExportedDataset]:
    return list(
        ExportedDataset.objects.filter(batch__in=permissions.batches_for_user(user))
        .select_related("batch", "policy", "created_by")
        .order_by("-created_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class Workers:
    alive: list[dict[str, Any]]
    depths: dict[str, int]
    error: str = ""  # Redis could not be asked


def admin_workers() -> Workers:
    """The rq workers alive and the jobs waiting per queue; a Redis outage is shown, not
    raised (the home page must still load)."""
    try:
        return Workers(alive=queues.workers_alive(), depths=queues.queue_depths())
    except RedisError as exc:
        return Workers(alive=[], depths={}, error=type(exc).__name__)
