"""Who gets what through the API: tokens (missing, wrong, revoked, expired: 401), scopes
(403), and the roles' object permissions exactly as on the pages (404 for what a user may
not see)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from anonymizer.batches import services
from anonymizer.models import ApiToken
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db

DATA_PATHS = ("/api/batches/", "/api/exports/", "/api/policies/", "/api/audit/events/")


@pytest.mark.parametrize("path", DATA_PATHS)
def test_no_token_or_a_bad_one_is_401_with_the_bearer_challenge(
    path: str, admin_user: Any
) -> None:
    token, key = services.api_token_create(user=admin_user, name="t", scopes=["read"])
    answers = [
        Client().get(path),
        Client().get(path, headers={"Authorization": "Bearer veil_wrong"}),
        Client().get(path, headers={"Authorization": f"Basic {key}"}),
    ]
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    answers.append(Api(key).get(path))
    for response in answers:
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Bearer"
        assert response.json()["error"]


def test_a_revoked_token_and_a_session_do_not_authenticate(
    api: Any, admin_user: Any, client: Any
) -> None:
    token, key = services.api_token_create(user=admin_user, name="t", scopes=["read"])
    assert Api(key).get("/api/batches/").status_code == 200
    services.api_token_revoke(actor=admin_user, token=token)
    assert Api(key).get("/api/batches/").status_code == 401
    client.force_login(admin_user)
    assert client.get("/api/batches/").status_code == 401
    assert client.post("/api/review/next/").status_code == 401


def test_an_inactive_user_s_token_is_refused(api: Any, reviewer: Any) -> None:
    tool = api(reviewer)
    assert tool.get("/api/batches/").status_code == 200
    reviewer.is_active = False
    reviewer.save(update_fields=["is_active"])
    assert tool.get("/api/batches/").status_code == 401


def test_get_needs_read(api: Any, admin_user: Any, batch: Any) -> None:
    writer = api(admin_user, "upload", "export", "review")
    for path in ("/api/batches/", f"/api/batches/{batch.public_id}/", "/api/exports/"):
        refused = writer.get(path)
        assert refused.status_code == 403 and "'read' scope" in refused.json()["error"]


def ids(response: Any) -> set[str]:
    return {b["id"] for b in response.json()["results"]}


def test_each_role_sees_the_batches_it_sees_on_the_pages(
    api: Any, batch: Any, admin_user: Any, officer: Any, reviewer: Any, outsider: Any
) -> None:
    mine = str(batch.public_id)
    for user in (admin_user, officer, reviewer):
        assert ids(api(user).get("/api/batches/")) == {mine}
        assert api(user).get(f"/api/batches/{mine}/").status_code == 200
    stranger = api(outsider)
    assert ids(stranger.get("/api/batches/")) == set()
    assert stranger.get(f"/api/batches/{mine}/").status_code == 404


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/api/audit/events/", {"officer"}),
        ("/api/policies/", {"officer", "admin"}),
        ("/api/rulesets/", {"officer", "admin"}),
        ("/api/rulesets/1/", {"officer", "admin"}),
        ("/api/exports/", {"officer", "admin"}),
    ],
)
def test_model_wide_resources_follow_the_role(
    path: str, allowed: set[str], api: Any, admin_user: Any, officer: Any, reviewer: Any
) -> None:
    users = {"admin": admin_user, "officer": officer, "reviewer": reviewer}
    for role, user in users.items():
        expected = 200 if role in allowed else 403
        assert api(user).get(path).status_code == expected, (path, role)


def test_unknown_objects_are_404_in_the_error_shape(api: Any, officer: Any) -> None:
    client = api(officer)
    for path in (
        "/api/policies/00000000-0000-0000-0000-000000000000/",
        "/api/rulesets/999/",
        "/api/exports/00000000-0000-0000-0000-000000000000/",
        "/api/review/items/00000000-0000-0000-0000-000000000000/",
    ):
        response = client.get(path)
        assert response.status_code == 404 and set(response.json()) == {"error"}, path
