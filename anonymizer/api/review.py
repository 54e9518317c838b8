"""Review through the API, composed from the review page's selectors and services, with the
same leases (review.queue) and the same permission answer (anonymizer.permissions
.review_access): 404 if the user may not see the batch; for writes, 403 if they may only look.

A user who may see the batch but not review it (an admin) reads the item's state and span
offsets and types; the raw text (the record's and each span's) only those who may review it,
as on the review page. What a view action does is the page's table (review.views._perform),
repeated here without its redirects: the service would be the place for it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from anonymizer import permissions
from review import actions, selectors, services
from review.forms import (
    OFFICER_ACTIONS,
    TAKE,
)
from review.models import ReviewItem


class ReviewRefused(Exception):
    """An action refused; `status` is 400 (invalid), 409 (lease lost or stale version)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def item_for(user: Any, public_id: Any, *, write: bool) -> tuple[ReviewItem, bool, bool]:
    """The item, whether the user acts on it as an officer, and whether they may review it
    (404 when they may not see its batch; for `write`, 403 when they may only look)."""
    item = selectors.item_with_record(public_id)
    if item is None:
        raise Http404("No such record.")
    try:
        return item, permissions.review_access(user, item.batch), True
    except PermissionDenied:
        if write:
            raise
        return item, False, False


def item_body(item: ReviewItem, *, user: Any, officer: bool, can_review: bool) -> dict[str, Any]:
    """The item as ReviewItemSerializer renders it (the record page's reads)."""
    page = selectors.record_page(item, user=user, is_officer=officer, with_risk=False)
    held = item.is_held_by(user)
    return {
        "id": item.public_id,
        "batch": item.batch.public_id,
        "position": item.record.position,
        "state": item.state,
        "version": item.version,
        "sampled": item.sampled,
        "mode": page.mode.value,
        "can_review": can_review,
        "lease": {
            "held": held,
            "holder": page.other_holder,
            "expires_at": item.lease_expires_at if item.lease_is_live() else None,
        },
        "pending": page.pending,
        "text": item.record.text if can_review else None,
        "preview": page.preview.text if page.preview is not None else None,
        "spans": [
            {
                "id": row.span.pk,
                "start": row.span.start,
                "end": row.span.end,
                "label": row.span.label,
                "status": row.span.status,
                "origin": row.span.origin,
                "score": row.score,
                "recognizer": row.recognizer,
                "text": row.text if can_review else None,
            }
            for row in page.rows
        ],
        "labels": list(page.labels),
    }


def perform(
    action: str, *, actor: Any, item: ReviewItem, officer: bool, data: dict[str, Any]
) -> ReviewItem:
    """One action through review.services; ReviewRefused for what they refuse."""
    if action in OFFICER_ACTIONS and not officer:
        raise PermissionDenied("Only privacy officers resolve escalations.")
    if action != TAKE and data.get("version") is None:
        raise ReviewRefused("Give the version of the item you saw.", 400)
    try:
        return actions.perform(action, actor=actor, item=item, data=data)
    except services.ReviewError as exc:
        raise ReviewRefused(str(exc), exc.status) from None
