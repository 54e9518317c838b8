"""TEMPORARY during the re-layout: review item access now lives in anonymizer.permissions."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404

from anonymizer.permissions import is_officer, review_access
from review import selectors
from review.models import ReviewItem

__all__ = ["is_officer", "item_for_user"]


def item_for_user(user: Any, public_id: UUID | str) -> tuple[ReviewItem, bool]:
    item = selectors.item_with_record(public_id)
    if item is None:
        raise Http404("No such record.")
    return item, review_access(user, item.batch)
