from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from anonymizer.roles import user_roles


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"roles": frozenset()}
    return {"roles": user_roles(user)}
