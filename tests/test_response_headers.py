"""Response headers of pages that may show raw text, and how a refusal is logged.

Every page a role can open (the URL walk of tests/test_urls.py: record, review workspace,
escalations, vault lookup, batch detail, ...) answers with `Cache-Control: no-store`, and so do
the review workspace sent back after an action, the refusal pages, and the login page; static
assets stay cacheable. A refused request (403) logs one line, without a traceback."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from review.services import queue_next
from tests.test_urls import EXPECTED, Context

pytestmark = pytest.mark.django_db

ROLES = {"reviewer": "reviewer", "officer": "privacy_officer", "admin": "admin"}
PAGES = sorted(
    (name, role)
    for name, (method, _, expected) in EXPECTED.items()
    for role in ROLES
    if method == "get" and expected[role] == 200
)
RAW_TEXT_PAGES = {
    "batch_detail",
    "batch_progress",
    "review_record",
    "review_home",
    "escalation_list",
    "vault_lookup",
    "export_detail",
    "audit_list",
}


def no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_walk_covers_every_raw_text_page() -> None:
    assert {name for name, _ in PAGES} >= RAW_TEXT_PAGES


@pytest.mark.parametrize(("name", "role"), PAGES)
def test_every_page_a_role_opens_is_not_stored(
    name: str,
    role: str,
    clients: dict[str, Client],
    batch: Any,
    officer: Any,
    admin_user: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    _, build, _ = EXPECTED[name]
    response = clients[role].get(build(Context(batch, officer, admin_user)))
    assert response.status_code == 200
    assert no_store(response), f"{name} as {role}: {response.get('Cache-Control')}"


def test_the_workspace_sent_back_after_an_action_is_not_stored(
    batch: Any, reviewer: Any, officer: Any, admin_user: Any
) -> None:
    Context(batch, officer, admin_user).review_item  # noqa: B018 - builds the queue
    item = queue_next(reviewer=reviewer)
    client = Client()
    client.force_login(reviewer)
    response = client.post(
        reverse("review_act", args=[item.public_id]),
        {"action": "accept_all", "version": item.version},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and b"workspace" in response.content
    assert no_store(response)


def test_refusals_and_the_login_page_are_not_stored(clients: dict[str, Client], batch: Any) -> None:
    forbidden = clients["reviewer"].get(reverse("vault_lookup"))
    missing = clients["outsider"].get(reverse("batch_detail", args=[batch.public_id]))
    login = Client().get(reverse("login"))
    assert [forbidden.status_code, missing.status_code, login.status_code] == [403, 404, 200]
    assert no_store(forbidden) and no_store(missing) and no_store(login)


def test_static_assets_stay_cacheable(client: Client) -> None:
    response = client.get("/static/review/review.js")
    assert not no_store(response)


def test_a_refused_request_logs_one_line_without_a_traceback(
    clients: dict[str, Client], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="django"):
        response = clients["reviewer"].get(reverse("vault_lookup"))
    assert response.status_code == 403
    lines = [r for r in caplog.records if r.name.startswith("django")]
    assert len(lines) == 1, [r.getMessage() for r in lines]
    assert lines[0].getMessage() == "Forbidden: /vault/lookup/"
    assert lines[0].exc_info is None and lines[0].levelno == logging.WARNING


@pytest.fixture
def clients(make_user: Any, reviewer: Any, officer: Any, admin_user: Any) -> dict[str, Client]:
    users = {
        "reviewer": reviewer,
        "officer": officer,
        "admin": admin_user,
        "outsider": make_user("uma_unassigned", "reviewer"),
    }
    result = {}
    for role, user in users.items():
        result[role] = Client()
        result[role].force_login(user)
    return result
