"""Every action on a review item, by its name (review.forms), through review.services: the one
table the record page and the API both dispatch through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from review import services
from review.forms import (
    ACCEPT,
    ACCEPT_ALL,
    ADD,
    ADJUST,
    COMMENT,
    ESCALATE,
    REJECT,
    RELABEL,
    RELEASE,
    RESOLVE,
    RETURN,
    SUBMIT,
    TAKE,
)
from review.models import ReviewItem


def perform(action: str, *, actor: Any, item: ReviewItem, data: dict[str, Any]) -> ReviewItem:
    """Run `action` with the fields in `data` (span, label, start, end, note, version);
    services.ReviewError for what the services refuse."""
    common = {"actor": actor, "item": item, "version": data.get("version")}
    span, label, note = data.get("span"), data.get("label"), data.get("note")
    start, end = data.get("start"), data.get("end")
    table: dict[str, Callable[[], ReviewItem]] = {
        ACCEPT: lambda: services.span_accept(**common, span_id=span),
        REJECT: lambda: services.span_reject(**common, span_id=span),
        RELABEL: lambda: services.span_relabel(**common, span_id=span, label=label),
        ADJUST: lambda: services.span_adjust(**common, span_id=span, start=start, end=end),
        ADD: lambda: services.span_add(**common, start=start, end=end, label=label),
        ACCEPT_ALL: lambda: services.spans_accept_all(**common),
        SUBMIT: lambda: services.item_submit(**common),
        ESCALATE: lambda: services.item_escalate(**common, note=note),
        RELEASE: lambda: services.item_release(**common),
        TAKE: lambda: services.escalation_take(officer=actor, item=item),
        COMMENT: lambda: services.escalation_comment(**common, note=note),
        RETURN: lambda: services.escalation_return(**common, note=note),
        RESOLVE: lambda: services.escalation_resolve(**common, note=note),
    }
    return table[action]()
