"""The checks benchmarks/reviewers.py runs on the database after the load: decisions the
client saw succeed but that are not stored, records held by two reviewers at once, versions
that do not match the number of decisions. Call only after `_django.setup()`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any


def lost_decisions(seen: list[tuple[str, str, str, int]]) -> int:
    """Actions the client saw succeed with no Decision of that item, actor, action, version."""
    # After _django.setup(): importable only once Django is configured.
    from review.models import Decision

    stored = set(
        Decision.objects.filter(item__isnull=False, actor__isnull=False).values_list(
            "item__public_id", "actor__username", "action", "version"
        )
    )
    stored = {(str(i), u, a, v) for i, u, a, v in stored}
    return sum(1 for row in seen if row not in stored)


def double_leases_in_history(batch: Any) -> set[str]:
    """Items on which a second person acted while the first still held the record (between
    their first action and their submit or release)."""
    # After _django.setup(): importable only once Django is configured.
    from review.models import Decision

    holder: dict[str, int] = {}
    doubled: set[str] = set()
    rows = (
        Decision.objects.filter(item__batch=batch)
        .order_by("id")
        .values_list("item__public_id", "actor_id", "action")
    )
    for item, actor, action in rows:
        item = str(item)
        current = holder.get(item, actor)
        if current != actor:
            doubled.add(item)
        holder[item] = actor
        if action in ("submit", "release"):
            holder.pop(item, None)
    return doubled


def overlapping_holds(holds: list[tuple[str, str, float, float]]) -> set[str]:
    """Items two reviewers believed they held at the same moment (client-side intervals)."""
    by_item: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for item, user, t0, t1 in holds:
        by_item[item].append((t0, t1, user))
    doubled = set()
    for item, spans in by_item.items():
        spans.sort()
        for (_, end, user), (start, _, other) in zip(spans, spans[1:], strict=False):
            if other != user and start < end:
                doubled.add(item)
    return doubled


def version_gaps(batch: Any) -> int:
    """Items whose version is not their number of decisions (a lost or doubled update)."""
    # After _django.setup(): importable only once Django is configured.
    from django.db.models import Count

    # Veil's models, likewise.
    from review.models import Decision, ReviewItem

    counts = dict(
        Decision.objects.filter(item__batch=batch)
        .values_list("item_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    versions = ReviewItem.objects.filter(batch=batch).values_list("id", "version")
    return sum(1 for pk, version in versions if version != counts.get(pk, 0))
