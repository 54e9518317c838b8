"""Token scopes: GET needs `read` (and a download `export` too); each view names the scope its
writes need. The role's
permissions (anonymizer.permissions) apply on top: a scope never grants what the user's role
does not."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from anonymizer.models import ApiToken


class TokenScopes(BasePermission):
    """An authenticated token holding the view's scope for this method: `read` for GET,
    `write_scope` (the view's attribute) for anything else."""

    message = "This token does not have the required scope."

    def has_permission(self, request: Request, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken) or not request.user:
            return False
        for scope in required_scopes(request, view):
            if not token.allows(scope):
                self.message = f"This token does not have the '{scope}' scope."
                return False
        return True


def required_scopes(request: Request, view: Any) -> tuple[str, ...]:
    if request.method in SAFE_METHODS:
        return (ApiToken.Scope.READ, *getattr(view, "extra_read_scopes", ()))
    return (view.write_scope,)
