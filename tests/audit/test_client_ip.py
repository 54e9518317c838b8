"""The client's address behind a proxy: the entry the proxy appended, never one the client
wrote; used by the audit trail and by the log-in lockout (axes)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.test import RequestFactory
from django.test.utils import override_settings

from audit.services import client_ip


def request(**meta: Any) -> Any:
    return RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", **meta)


def test_without_a_proxy_the_socket_address_counts() -> None:
    assert client_ip(request(HTTP_X_FORWARDED_FOR="203.0.113.9")) == "127.0.0.1"


@override_settings(VEIL_BEHIND_PROXY=True)
def test_behind_the_proxy_its_own_entry_counts() -> None:
    forged = request(HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.7")
    assert client_ip(forged) == "198.51.100.7"
    assert client_ip(request(HTTP_X_FORWARDED_FOR="not-an-ip")) == "127.0.0.1"
    assert client_ip(request()) == "127.0.0.1"


def test_axes_asks_the_same_function() -> None:
    assert settings.AXES_CLIENT_IP_CALLABLE == "audit.services.client_ip"
