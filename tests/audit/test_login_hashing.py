"""Failed log-ins: the typed username is kept only as a keyed hash (in the audit trail and in
django-axes' tables), and lock-out also counts per address, against password spraying."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.test import Client

from audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def login(client: Client, username: str, password: str) -> Any:
    return client.post("/accounts/login/", {"username": username, "password": password})


def failed_payloads() -> list[dict[str, Any]]:
    return [e.payload for e in AuditEvent.objects.filter(action="auth.login_failed")]


def test_it_stores_a_keyed_hash_of_the_typed_username(settings: Any) -> None:
    typed = "hunter2-typed-into-the-username-box"
    settings.VEIL_AUDIT_KEY = "first key"
    login(Client(), typed, "x")
    settings.VEIL_AUDIT_KEY = "second key"
    login(Client(), typed, "x")
    first, second = failed_payloads()
    assert typed not in str(first) and hashlib.sha256(typed.encode()).hexdigest()[:16] not in (
        str(first)
    )
    assert len(first["username_hmac"]) == 64
    assert first["username_hmac"] != second["username_hmac"]  # keyed: no dictionary attack


def test_axes_keeps_no_typed_username_either(admin_user: Any) -> None:
    login(Client(), "mistyped-secret-name", "x")
    login(Client(), admin_user.username, "wrong")
    usernames = list(AccessAttempt.objects.values_list("username", flat=True))
    assert len(usernames) == 2
    assert "mistyped-secret-name" not in usernames and admin_user.username not in usernames
    assert not any("mistyped-secret-name" in a.post_data for a in AccessAttempt.objects.all())
    payload_hashes = {p["username_hmac"] for p in failed_payloads()}
    assert set(usernames) == payload_hashes  # the trail and axes name an attempt the same way


def test_password_spraying_locks_the_address_and_one_mistype_does_not(
    admin_user: Any, officer: Any, settings: Any
) -> None:
    office = Client(REMOTE_ADDR="198.51.100.7")
    assert login(office, admin_user.username, "correct horse batery").status_code == 200
    assert login(office, admin_user.username, PASSWORD).status_code == 302
    sprayer = Client(REMOTE_ADDR="203.0.113.9")
    limit = 4 * settings.AXES_FAILURE_LIMIT  # the default per-address limit
    statuses = [login(sprayer, f"user{i}", "Summer2024!").status_code for i in range(limit)]
    assert statuses == [200] * (limit - 1) + [429]  # one try per username: far under 5 each
    assert login(sprayer, officer.username, PASSWORD).status_code == 429
    assert login(Client(REMOTE_ADDR="198.51.100.7"), officer.username, PASSWORD).status_code == (
        302
    )


def test_a_locked_address_is_not_unlocked_by_one_users_success(
    admin_user: Any, officer: Any, settings: Any
) -> None:
    sprayer = Client(REMOTE_ADDR="203.0.113.11")
    for i in range(4 * settings.AXES_FAILURE_LIMIT):
        login(sprayer, f"user{i}", "Winter2024!")
    for user in (admin_user, officer):
        assert login(Client(REMOTE_ADDR="203.0.113.11"), user.username, PASSWORD).status_code == (
            429
        )
