"""One place that decides who may see and do what with a batch."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from anonymizer.models import SourceBatch

VIEW = "anonymizer.view_sourcebatch"
REVIEW = "anonymizer.review_sourcebatch"
CHANGE = "anonymizer.change_sourcebatch"
ADD = "anonymizer.add_sourcebatch"


def batches_for_user(user: Any, perm: str = VIEW) -> QuerySet[SourceBatch]:
    """Batches the user holds `perm` on, model-wide (admins, officers) or per object."""
    return get_objects_for_user(user, perm, klass=SourceBatch, accept_global_perms=True)


def batch_for_user(user: Any, public_id: UUID | str, perm: str = VIEW) -> SourceBatch:
    """The batch, or 404 if the user may not see it, or 403 if they may see it but not `perm`."""
    try:
        batch = SourceBatch.objects.get(public_id=public_id)
    except (SourceBatch.DoesNotExist, ValueError):
        raise Http404("No such batch.") from None
    if not (user.has_perm(VIEW) or user.has_perm(VIEW, batch)):
        raise Http404("No such batch.")
    if perm != VIEW and not (user.has_perm(perm) or user.has_perm(perm, batch)):
        raise PermissionDenied("You may not do this with this batch.")
    return batch


def require_perm(user: Any, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied("Your role does not allow this.")
