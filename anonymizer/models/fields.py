"""Field conventions every Veil model follows: an opaque public id for URLs and the API, and
the user who did something (kept when the user is deleted: PROTECT, or SET_NULL where the
row must outlive them)."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models


def public_id_field(help_text: str = "") -> models.UUIDField[Any, Any]:
    return models.UUIDField(default=uuid.uuid4, unique=True, editable=False, help_text=help_text)


def user_field(
    *,
    on_delete: Any = models.PROTECT,
    optional: bool = True,
    related_name: str = "+",
    help_text: str = "",
) -> models.ForeignKey[Any, Any]:
    """A foreign key to the user model; `optional` makes it null=True, blank=True."""
    extra: dict[str, Any] = {"null": True, "blank": True} if optional else {}
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=on_delete,
        related_name=related_name,
        help_text=help_text,
        **extra,
    )
