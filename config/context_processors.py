from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from anonymizer import permissions
from anonymizer.roles import user_roles

# What the navigation and pages offer, each by the permission that allows it.
CAN = {
    "review": permissions.USE_REVIEW,
    "escalations": permissions.RESOLVE_ESCALATION,
    "upload": permissions.ADD,
    "rulesets": permissions.VIEW_RULESET,
    "edit_rulesets": permissions.CHANGE_RULESET,
    "policies": permissions.VIEW_POLICY,
    "edit_policies": permissions.CHANGE_POLICY,
    "vault": permissions.LOOKUP_VAULT,
    "audit": permissions.VIEW_AUDIT,
    "download": permissions.DOWNLOAD_EXPORT,
    "exports": permissions.VIEW_EXPORT,
    "pipelines": permissions.VIEW_PIPELINE,
}


class Can:
    """`{% if can.upload %}` in a template asks anonymizer.permissions, lazily."""

    def __init__(self, user: Any) -> None:
        self._user = user

    def __getitem__(self, name: str) -> bool:
        return permissions.may(self._user, CAN[name])


def roles(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"roles": frozenset(), "can": {}}
    return {"roles": user_roles(user), "can": Can(user)}
