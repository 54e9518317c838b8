"""API tokens: stored hashed, with scopes, an expiry, last use; revoked from the page (own
tokens; an admin any) and from `manage.py api_token`; audit events for create and revoke."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from anonymizer.batches import services
from anonymizer.models import ApiToken, SourceBatch
from audit.models import AuditEvent
from tests.conftest import SAMPLE_CSV

pytestmark = pytest.mark.django_db


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def upload(client: Any, key: str) -> Any:
    fields = {
        "name": "t",
        "data_class": "internal",
        "purpose": "theme_analysis",
        "source_format": "csv",
        "text_columns": "body",
        "file": SimpleUploadedFile("t.csv", SAMPLE_CSV),
    }
    return client.post("/api/batches/?detect=0", fields, headers=auth(key))


def test_it_stores_only_the_hash_with_scopes_and_an_expiry(admin_user: Any, settings: Any) -> None:
    settings.VEIL_API_TOKEN_DAYS = 30
    token, key = services.api_token_create(user=admin_user, name="ci", scopes=["read"])
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in [str(v) for v in row.values()]
    assert row["key_hash"] == hashlib.sha256(key.encode()).hexdigest()
    assert row["scopes"] == ["read"]
    assert abs(row["expires_at"] - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    event = AuditEvent.objects.get(action="api_token.created")
    assert key not in str(event.payload) and event.payload["scopes"] == ["read"]


def test_scopes_limit_what_a_token_may_do(client: Any, admin_user: Any, batch: Any) -> None:
    _, reader = services.api_token_create(user=admin_user, name="r", scopes=["read"])
    _, uploader = services.api_token_create(user=admin_user, name="u", scopes=["upload"])
    assert client.get("/api/batches/", headers=auth(reader)).status_code == 200
    assert client.get(f"/api/batches/{batch.public_id}/", headers=auth(reader)).status_code == 200
    refused = upload(client, reader)
    assert refused.status_code == 403 and "'upload' scope" in refused.json()["error"]
    assert client.get("/api/batches/", headers=auth(uploader)).status_code == 403
    assert upload(client, uploader).status_code == 201


def test_an_expired_token_is_refused_and_a_used_one_records_when(
    client: Any, admin_user: Any
) -> None:
    token, key = services.api_token_create(user=admin_user, name="ci", scopes=["read"])
    assert client.get("/api/batches/", headers=auth(key)).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/batches/", headers=auth(key)).status_code == 401


def test_it_refuses_unknown_scopes_and_too_long_lives(admin_user: Any) -> None:
    with pytest.raises(ValueError, match="scopes"):
        services.api_token_create(user=admin_user, name="x", scopes=["admin"])
    with pytest.raises(ValueError, match="1 to 365 days"):
        services.api_token_create(user=admin_user, name="x", days=1000)


def test_the_page_creates_a_token_showing_its_key_once(client: Any, reviewer: Any) -> None:
    client.force_login(reviewer)
    response = client.post("/tokens/", {"name": "laptop", "scopes": ["read"], "days": "7"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=reviewer)
    page = response.content.decode()
    key = page.split("<p><code>")[1].split("</code>")[0]
    assert key.startswith(token.prefix) and services.api_token_authenticate(key) == token
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    again = client.get("/tokens/").content.decode()
    assert key not in again and token.prefix in again and "laptop" in again


def test_the_page_revokes_own_tokens_only(client: Any, reviewer: Any, outsider: Any) -> None:
    mine, key = services.api_token_create(user=reviewer, name="mine", scopes=["read"])
    theirs, _ = services.api_token_create(user=outsider, name="theirs", scopes=["read"])
    client.force_login(reviewer)
    assert client.post(f"/tokens/{theirs.public_id}/revoke/").status_code == 404
    assert "theirs" not in client.get("/tokens/").content.decode()
    assert client.post(f"/tokens/{mine.public_id}/revoke/").status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.revoked_at is not None and theirs.revoked_at is None
    assert client.get("/api/batches/", headers=auth(key)).status_code == 401
    event = AuditEvent.objects.get(action="api_token.revoked")
    assert event.actor == reviewer and event.payload["prefix"] == mine.prefix


def test_an_admin_sees_and_revokes_anyones_token(
    client: Any, admin_user: Any, reviewer: Any
) -> None:
    token, _ = services.api_token_create(user=reviewer, name="theirs", scopes=["read"])
    client.force_login(admin_user)
    assert "theirs" in client.get("/tokens/").content.decode()
    assert client.post(f"/tokens/{token.public_id}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    event = AuditEvent.objects.get(action="api_token.revoked")
    assert event.actor == admin_user and event.payload["user_id"] == reviewer.pk


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue().strip().splitlines()


def test_the_command_creates_lists_and_revokes(admin_user: Any, reviewer: Any) -> None:
    lines = run("create", reviewer.username, "--name", "ci", "--scope", "read", "--days", "7")
    key = lines[-1]
    token = services.api_token_authenticate(key)
    assert token is not None and token.user == reviewer and token.scopes == ["read"]
    listed = run("list")
    assert any(token.prefix in line and "active" in line for line in listed)
    assert key not in "\n".join(listed)
    run("revoke", token.prefix)
    assert services.api_token_authenticate(key) is None
    assert any("revoked" in line for line in run("list", "--username", reviewer.username))
    event = AuditEvent.objects.get(action="api_token.revoked")
    assert event.actor == admin_user
    assert not SourceBatch.objects.exists()
