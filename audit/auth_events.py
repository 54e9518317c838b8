"""Log-in events for the trail, and what django-axes counts failed log-ins by.

People type passwords into the username field, so a failed log-in's username is kept only as
a keyed hash: in the trail and, through AXES_USERNAME_CALLABLE, in axes' own tables. Lock-out
(AXES_LOCKOUT_PARAMETERS) counts per username and address and, against password spraying (one
address, a few tries at each of many usernames), per address too once that address passes
VEIL_LOGIN_ADDRESS_FAILURE_LIMIT failures in the cool-off window.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models import Sum
from django.utils import timezone

from audit.keys import LOGIN_USERNAME, keyed_hash
from audit.services import audit_log, request_ip

BY_USERNAME_AND_ADDRESS = ["username", "ip_address"]


def login_username_hash(username: str) -> str:
    return keyed_hash(LOGIN_USERNAME, username)


def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit_log(actor=user, action="auth.login", ip_address=request_ip(request))


def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        audit_log(actor=user, action="auth.logout", ip_address=request_ip(request))


def _login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    username = str(credentials.get("username", ""))
    audit_log(
        actor=None,
        action="auth.login_failed",
        payload={"username_hmac": login_username_hash(username)},
        ip_address=request_ip(request),
    )


def axes_username(request: Any, credentials: dict[str, Any] | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the username axes stores and counts by, as its keyed hash."""
    if credentials:
        username = credentials.get("username")
    else:
        username = getattr(request, "POST", {}).get("username")
    return login_username_hash(str(username)) if username is not None else None


def axes_lockout_parameters(request: Any, credentials: dict[str, Any] | None = None) -> list[Any]:
    """AXES_LOCKOUT_PARAMETERS: username and address together; the address alone as well once
    it has failed too often across usernames. Its lock then holds for every username."""
    address = getattr(request, "axes_ip_address", None)
    if address and _address_failures(request, address) >= _address_limit():
        return [BY_USERNAME_AND_ADDRESS, "ip_address"]
    return [BY_USERNAME_AND_ADDRESS]


def _address_limit() -> int:
    default = 4 * settings.AXES_FAILURE_LIMIT
    return int(getattr(settings, "VEIL_LOGIN_ADDRESS_FAILURE_LIMIT", default))


def _address_failures(request: Any, address: str) -> int:
    attempts = AccessAttempt.objects.filter(ip_address=address)
    cool_off = get_cool_off(request)
    if cool_off is not None:
        now = getattr(request, "axes_attempt_time", None) or timezone.now()
        attempts = attempts.filter(attempt_time__gte=now - cool_off)
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


def connect() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="veil_audit_login")
    user_logged_out.connect(_logged_out, dispatch_uid="veil_audit_logout")
    user_login_failed.connect(_login_failed, dispatch_uid="veil_audit_login_failed")
