from __future__ import annotations

import hashlib
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from audit.services import audit_log, request_ip


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_log(actor=user, action="auth.login", ip_address=request_ip(request))


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_log(actor=user, action="auth.logout", ip_address=request_ip(request))


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    # The attempted username is stored as a hash: people type passwords into that field.
    username = str(credentials.get("username", ""))
    digest = hashlib.sha256(username.encode()).hexdigest()[:16]
    audit_log(
        actor=None,
        action="auth.login_failed",
        payload={"username_sha256_16": digest},
        ip_address=request_ip(request),
    )


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="veil_audit_login")
    user_logged_out.connect(_logged_out, dispatch_uid="veil_audit_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="veil_audit_login_failed")
