from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_login_and_logout(admin_user: Any) -> None:
    client = Client()
    response = login(client, admin_user.username, PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_a_wrong_password_shows_an_error(admin_user: Any) -> None:
    response = login(Client(), admin_user.username, "nope")
    assert response.status_code == 200
    assert b"didn't match" in response.content


def test_failed_logins_are_throttled(admin_user: Any, settings: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, admin_user.username, "wrong password")
    locked = login(client, admin_user.username, PASSWORD)
    assert locked.status_code == 429
    assert b"Too many failed log-in attempts" in locked.content
    assert Client().get("/").status_code == 302  # and no session was made


def test_throttling_is_per_user_and_address(admin_user: Any, officer: Any, settings: Any) -> None:
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, admin_user.username, "wrong password")
    assert login(client, officer.username, PASSWORD).status_code == 302


def test_pages_need_login_and_remember_where_you_were_going() -> None:
    response = Client().get("/batches/new/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/batches/new/"


def test_security_headers(admin_user: Any) -> None:
    client = Client()
    client.force_login(admin_user)
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
