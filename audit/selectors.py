from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet

from audit.models import AuditEvent
from audit.services import event_fields

# Who may read the trail: privacy officers hold it (anonymizer.roles grants it).
VIEW_AUDIT = "audit.view_auditevent"


def events_filtered(
    *,
    username: str = "",
    batch: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor").order_by("-seq")
    if username:
        events = events.filter(actor_name=username)
    if batch:
        events = events.filter(batch_public_id=batch)
    if action:
        events = events.filter(action=action)
    if date_from:
        events = events.filter(at__date__gte=date_from)
    if date_to:
        events = events.filter(at__date__lte=date_to)
    return events


def known_actions() -> list[str]:
    return list(AuditEvent.objects.order_by().values_list("action", flat=True).distinct())


def event_row(e: AuditEvent) -> dict[str, Any]:
    """An event as the audit page and its CSV show it: the hashed fields, readable."""
    f = event_fields(e)
    target = f"{f['target_type']}:{f['target_id']}" if f["target_type"] else ""
    return {
        **{k: f[k] for k in ("seq", "at", "action", "payload")},
        **{"actor": f["actor_name"], "batch": f["batch"] or "", "target": target},
        **{"ip": f["ip"] or "", "hash": e.hash},
    }
