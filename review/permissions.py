"""Who may see and act on a review item. One helper, used by every review view."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.core import ObjectPermissionChecker

from anonymizer import roles
from anonymizer.permissions import VIEW
from review import selectors
from review.models import ReviewItem


def is_officer(user: Any) -> bool:
    """Privacy officers resolve escalations on every batch they can see (all of them)."""
    return roles.has_role(user, roles.PRIVACY_OFFICER) and user.has_perm(VIEW)


def item_for_user(user: Any, public_id: UUID | str) -> tuple[ReviewItem, bool]:
    """The item and whether the user acts as an officer on it.

    404 if the user may not see the record's batch; 403 if they may see it but neither review
    it (assigned reviewer) nor resolve escalations (privacy officer).
    """
    item = selectors.item_with_record(public_id)
    if item is None:
        raise Http404("No such record.")
    if is_officer(user):
        return item, True
    # The common case first, in as few queries as possible: an assigned reviewer.
    checker = ObjectPermissionChecker(user)
    if checker.has_perm("review_sourcebatch", item.batch):
        return item, False
    if not (user.has_perm(VIEW) or checker.has_perm("view_sourcebatch", item.batch)):
        raise Http404("No such record.")
    raise PermissionDenied("You may not review this batch.")
