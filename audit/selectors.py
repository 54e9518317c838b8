from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import event_fields

# Who may read the trail: privacy officers hold it (anonymizer.roles grants it).
VIEW_AUDIT = "audit.view_auditevent"

EVENTS_PER_PAGE = 100
# A filtered list counts at most this many events: beyond, the page asks to narrow the filters
# (the CSV has them all). What keeps a filtered page as fast at 1M events as at 10k.
EVENTS_COUNTED = 10_000
AUDIT_SORTS = {"newest": "-seq", "oldest": "seq"}


class CappedPaginator(Paginator):
    """A Paginator that counts at most `cap` rows (`more` says whether there are others), so a
    page of a list of a million rows costs what one of ten thousand does. The list pages of
    every stage use it; it lives here because audit is the layer everything may import."""

    def __init__(self, object_list: QuerySet[Any], per_page: int, cap: int) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def _counted(self) -> int:
        return self.object_list.order_by()[: self.cap + 1].count()

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        return min(self._counted, self.cap)

    @property
    def more(self) -> bool:
        return self._counted > self.cap


def day_start(day: date) -> datetime:
    """Midnight of `day` in the current time zone: a bound an index on a timestamp can use
    (a `__date` lookup casts every row)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def between(field: str, date_from: date | None, date_to: date | None) -> Q:
    """`field` on or after `date_from` and on or before `date_to` (whole days), either open."""
    q = Q()
    if date_from:
        q &= Q(**{f"{field}__gte": day_start(date_from)})
    if date_to:
        q &= Q(**{f"{field}__lt": day_start(date_to + timedelta(days=1))})
    return q


def events_filtered(
    *,
    username: str = "",
    batch: str = "",
    action: str = "",
    target: str = "",
    q: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    sort: str = "newest",
) -> QuerySet[AuditEvent]:
    """Events narrowed by the filters, in seq order. `target` is an object's id (with or without
    its type, "Record:42"); `q` matches action names (any part) or an actor's exact name."""
    events = AuditEvent.objects.select_related("actor").order_by(AUDIT_SORTS.get(sort, "-seq"))
    if username:
        events = events.filter(actor_name=username)
    if batch:
        events = events.filter(batch_public_id=batch)
    if action:
        events = events.filter(action=action)
    if target:
        kind, _, ident = target.rpartition(":")
        events = events.filter(target_id=ident, **({"target_type": kind} if kind else {}))
    if q:
        matching = [a for a in known_actions() if q.lower() in a.lower()]
        events = events.filter(Q(action__in=matching) | Q(actor_name=q))
    return events.filter(between("at", date_from, date_to))


def events_page(events: QuerySet[AuditEvent], number: Any, *, filtered: bool) -> Page:
    """One page of events. The whole trail pages by seq, which runs 1, 2, 3... with no gaps:
    page n is a range of the seq index at any depth. A filtered trail counts up to
    EVENTS_COUNTED."""
    if filtered:
        return CappedPaginator(events, EVENTS_PER_PAGE, EVENTS_COUNTED).get_page(number)
    return _SeqPaginator(events, EVENTS_PER_PAGE).get_page(number)


class _SeqPaginator(Paginator):
    """Pages of the unfiltered trail by seq range (its count is the last seq)."""

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
        return last or 0

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        newest_first = self.object_list.query.order_by == ("-seq",)
        skip = (number - 1) * self.per_page
        if newest_first:
            rows = self.object_list.filter(seq__lte=self.count - skip)
        else:
            rows = self.object_list.filter(seq__gt=skip)
        return self._get_page(list(rows[: self.per_page]), number, self)


def known_actions() -> list[str]:
    """The distinct action names, read by skipping along the action index (a loose index scan:
    one probe per name) rather than a DISTINCT over every event."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    sql = (
        f"WITH RECURSIVE a(action) AS (SELECT MIN(action) FROM {table} UNION ALL "
        f"SELECT (SELECT MIN(action) FROM {table} WHERE action > a.action) FROM a "
        "WHERE a.action IS NOT NULL) SELECT action FROM a WHERE action IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row[0] for row in cursor.fetchall()]


def event_row(e: AuditEvent) -> dict[str, Any]:
    """An event as the audit page and its CSV show it: the hashed fields, readable."""
    f = event_fields(e)
    target = f"{f['target_type']}:{f['target_id']}" if f["target_type"] else ""
    return {
        **{k: f[k] for k in ("seq", "at", "action", "payload")},
        **{"actor": f["actor_name"], "batch": f["batch"] or "", "target": target},
        **{"ip": f["ip"] or "", "hash": e.hash},
    }


# --- Keyset pages: as fast on the last page of a million rows as on the first -------------


@dataclass(frozen=True)
class KeysetPage:
    """One page of a list ordered by two columns, with the cursors of its neighbours."""

    rows: list[Any]
    older: str  # cursor for the page after this one ("" on the last)
    newer: str  # cursor for the page before ("" on the first)


def _cursor(row: Any, keys: tuple[str, str]) -> str:
    values = [getattr(row, k.lstrip("-")) for k in keys]
    return "~".join(v.isoformat() if isinstance(v, datetime) else str(v) for v in values)


def _parse(cursor: str, sample: tuple[Any, Any]) -> tuple[Any, Any] | None:
    """The cursor's two values, typed like `sample`'s; None if it is not one of ours."""
    try:
        parts = cursor.split("~")
        if len(parts) != 2:
            return None
        typed = [
            datetime.fromisoformat(p) if isinstance(s, datetime) else int(p)
            for p, s in zip(parts, sample, strict=True)
        ]
        return typed[0], typed[1]
    except ValueError:
        return None


def _beyond(keys: tuple[str, str], values: tuple[Any, Any], ascending: bool) -> Q:
    """Rows after `values` in the order of `keys` read `ascending`: the first column bounded
    first, so that an index on the two columns starts its range scan right there."""
    (a, b), (va, vb) = (k.lstrip("-") for k in keys), values
    desc = keys[0].startswith("-") == ascending
    op = "lt" if desc else "gt"
    edge = Q(**{f"{a}__{op}e": va})
    return edge & (Q(**{f"{a}__{op}": va}) | Q(**{a: va, f"{b}__{op}": vb}))


def keyset_page(
    rows: QuerySet[Any], keys: tuple[str, str], sample: tuple[Any, Any], *, after: str = "",
    before: str = "", size: int = 50,
) -> KeysetPage:
    """The page of `rows` (ordered by `keys`, the second unique) after the cursor `after`, or
    the one before `before`; no count, one query. `sample` gives the cursor values' types."""
    back = _parse(before, sample) if before else None
    ahead = _parse(after, sample) if after and back is None else None
    if back is not None:
        flipped = tuple(k[1:] if k.startswith("-") else f"-{k}" for k in keys)
        found = list(rows.filter(_beyond(keys, back, False)).order_by(*flipped)[: size + 1])
        page = found[:size][::-1]
        return KeysetPage(page, _cursor(page[-1], keys) if page else "",
                          _cursor(page[0], keys) if len(found) > size else "")  # fmt: skip
    if ahead is not None:
        rows = rows.filter(_beyond(keys, ahead, True))
    found = list(rows.order_by(*keys)[: size + 1])
    page = found[:size]
    return KeysetPage(page, _cursor(page[-1], keys) if len(found) > size else "",
                      _cursor(page[0], keys) if ahead is not None and page else "")  # fmt: skip
