"""Walk every URL pattern of the project for every role and assert the expected status.

A URL pattern with no row in EXPECTED fails the test: add one when you add a URL. An area may
keep its rows in its own module, tests/url_expectations/<area>.py, as a dict named EXPECTED with
the same shape (its builders get the same Context); they are merged here.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from anonymizer.policies.selectors import default_policy
from anonymizer.rulesets.selectors import ruleset_active
from tests.url_expectations import LOGIN, ROLES, statuses

pytestmark = pytest.mark.django_db

# name -> (method, url builder taking the batch, expected status per role)
EXPECTED: dict[str, tuple[str, Callable[[Any], str], dict[str, int]]] = {
    "login": ("get", lambda b: reverse("login"), statuses(200, 302, 302, 302, 302)),
    "logout": ("post", lambda b: reverse("logout"), statuses(302, 302, 302, 302, 302)),
    # Public; the web scope, since no rq worker runs here (tests/ops has the full checks).
    "healthz": (
        "get", lambda b: reverse("healthz") + "?scope=web", statuses(200, 200, 200, 200, 200)
    ),
    "help": ("get", lambda b: reverse("help"), statuses(LOGIN, 200, 200, 200, 200)),
    "batch_list": ("get", lambda b: reverse("batch_list"), statuses(LOGIN, 200, 200, 200, 200)),
    "batch_upload": ("get", lambda b: reverse("batch_upload"), statuses(LOGIN, 403, 403, 403, 200)),
    "batch_detail": (
        "get",
        lambda b: reverse("batch_detail", args=[b.public_id]),
        statuses(LOGIN, 404, 200, 200, 200),
    ),
    "batch_assign": (
        "post",
        lambda b: reverse("batch_assign", args=[b.public_id]),
        statuses(LOGIN, 404, 403, 403, 302),
    ),
    "batch_progress": (
        "get",
        lambda b: reverse("batch_progress", args=[b.public_id]),
        statuses(LOGIN, 404, 200, 200, 200),
    ),
    "batch_detect": (
        "post",
        lambda b: reverse("batch_detect", args=[b.public_id]),
        statuses(LOGIN, 404, 403, 403, 302),
    ),
    "batch_detect_retry": (
        "post",
        lambda b: reverse("batch_detect_retry", args=[b.public_id]),
        statuses(LOGIN, 404, 403, 403, 302),
    ),
    "ruleset_list": ("get", lambda b: reverse("ruleset_list"), statuses(LOGIN, 403, 403, 200, 200)),
    "ruleset_detail": (
        "get",
        lambda b: reverse("ruleset_detail", args=[b.draft_version]),
        statuses(LOGIN, 403, 403, 200, 200),
    ),
    "ruleset_new_draft": (
        "post",
        lambda b: reverse("ruleset_new_draft", args=[b.draft_version]),
        statuses(LOGIN, 403, 403, 302, 403),
    ),
    "ruleset_activate": (
        "post",
        lambda b: reverse("ruleset_activate", args=[b.draft_version]),
        statuses(LOGIN, 403, 403, 302, 403),
    ),
    "policy_list": ("get", lambda b: reverse("policy_list"), statuses(LOGIN, 403, 403, 200, 200)),
    "policy_new": ("get", lambda b: reverse("policy_new"), statuses(LOGIN, 403, 403, 200, 403)),
    "policy_detail": (
        "get",
        lambda b: reverse("policy_detail", args=[b.policy.public_id]),
        statuses(LOGIN, 403, 403, 200, 200),
    ),
    "policy_action": (
        "post",
        lambda b: reverse("policy_action", args=[b.policy.public_id, "submit"]),
        statuses(LOGIN, 403, 403, 302, 403),
    ),
    "policy_send_back": (
        "post",
        lambda b: reverse("policy_send_back", args=[b.policy.public_id]),
        statuses(LOGIN, 403, 403, 302, 403),
    ),
    "vault_lookup": ("get", lambda b: reverse("vault_lookup"), statuses(LOGIN, 403, 403, 200, 403)),
    "subject_erasure": (
        "get", lambda b: reverse("subject_erasure"), statuses(LOGIN, 403, 403, 200, 403)
    ),
    "export_create": (
        "post",
        lambda b: reverse("export_create", args=[b.public_id]),
        statuses(LOGIN, 404, 403, 403, 302),
    ),
    "export_detail": (
        "get",
        lambda b: reverse("export_detail", args=[b.export.public_id]),
        statuses(LOGIN, 404, 403, 200, 200),
    ),
    "export_download": (
        "post",
        lambda b: reverse("export_download", args=[b.export.public_id, "manifest.json"]),
        statuses(LOGIN, 404, 403, 403, 200),
    ),
    "audit_list": ("get", lambda b: reverse("audit_list"), statuses(LOGIN, 403, 403, 200, 403)),
    "audit_csv": ("get", lambda b: reverse("audit_csv"), statuses(LOGIN, 403, 403, 200, 403)),
    "ruleset_retrain": (
        "post",
        lambda b: reverse("ruleset_retrain"),
        statuses(LOGIN, 403, 403, 302, 403),
    ),
    "ruleset_train_model": (
        "post",
        lambda b: reverse("ruleset_train_model"),
        statuses(LOGIN, 403, 403, 302, 403),
    ),
    "ruleset_evaluate": (
        "post",
        lambda b: reverse("ruleset_evaluate", args=[b.draft_version]),
        statuses(LOGIN, 403, 403, 302, 403),
    ),
    "ruleset_confirm_proposal": (
        "post",
        lambda b: reverse("ruleset_confirm_proposal", args=[b.draft_version, 0]),
        statuses(LOGIN, 403, 403, 302, 403),
    ),
    "review_home": ("get", lambda b: reverse("review_home"), statuses(LOGIN, 200, 200, 200, 200)),
    "review_next": ("post", lambda b: reverse("review_next"), statuses(LOGIN, 302, 302, 302, 302)),
    "escalation_list": (
        "get",
        lambda b: reverse("escalation_list"),
        statuses(LOGIN, 403, 403, 200, 403),
    ),
    "review_record": (
        "get",
        lambda b: reverse("review_record", args=[b.review_item.public_id]),
        statuses(LOGIN, 404, 200, 200, 403),
    ),
    # An empty form is refused with a message and a redirect back to the record page.
    "review_act": (
        "post",
        lambda b: reverse("review_act", args=[b.review_item.public_id]),
        statuses(LOGIN, 404, 302, 302, 403),
    ),
    "batch_columns": (
        "post",
        lambda b: reverse("batch_columns", args=[b.public_id]),
        statuses(LOGIN, 404, 403, 302, 403),
    ),
    # Every user manages their own API tokens; admins may revoke anyone's.
    "api_tokens": ("get", lambda b: reverse("api_tokens"), statuses(LOGIN, 200, 200, 200, 200)),
    "api_token_revoke": (
        "post",
        lambda b: reverse("api_token_revoke", args=[b.officer_token.public_id]),
        statuses(LOGIN, 404, 404, 302, 302),
    ),
}


def _area_expectations() -> None:
    from tests import url_expectations

    for info in pkgutil.iter_modules(url_expectations.__path__):
        module = importlib.import_module(f"tests.url_expectations.{info.name}")
        clash = EXPECTED.keys() & module.EXPECTED.keys()
        assert not clash, f"{info.name} repeats URL names: {sorted(clash)}"
        EXPECTED.update(module.EXPECTED)


_area_expectations()


def iter_patterns(
    resolver: URLResolver | None = None, prefix: str = ""
) -> Iterator[tuple[str | None, str]]:
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from iter_patterns(entry, prefix + str(entry.pattern))
        else:
            assert isinstance(entry, URLPattern)
            yield entry.name, prefix + str(entry.pattern)


def test_every_url_pattern_has_an_expectation() -> None:
    found = list(iter_patterns())
    unnamed = [route for name, route in found if not name]
    assert not unnamed, f"Name these URL patterns and add them to EXPECTED: {unnamed}"
    names = {name for name, _ in found}
    assert names - EXPECTED.keys() == set(), "Add these URLs to EXPECTED in tests/test_urls.py"
    assert EXPECTED.keys() - names == set(), "EXPECTED lists URLs that no longer exist"


@pytest.fixture
def clients(admin_user: Any, officer: Any, reviewer: Any, outsider: Any) -> dict[str, Client]:
    users = {"outsider": outsider, "reviewer": reviewer, "officer": officer, "admin": admin_user}
    result = {"anonymous": Client()}
    for role, user in users.items():
        client = Client()
        client.force_login(user)
        result[role] = client
    return result


def _review_item(batch: Any) -> Any:
    """A record of the batch in the review queue (detection output written directly)."""
    from tests.review.factories import detect

    detect(batch, [("high", [(0, 2, "PERSON", 0.5)]), ("medium", []), ("low", [])])
    return batch.review_items.order_by("priority").first()


class Context:
    """The objects URLs point at, built only when a URL asks for one (keeps the walk fast)."""

    def __init__(self, batch: Any, officer: Any, admin_user: Any) -> None:
        self.batch, self.officer, self.admin_user = batch, officer, admin_user
        self.public_id = batch.public_id

    @cached_property
    def draft_version(self) -> int:
        from anonymizer.rulesets import services as rulesets

        base = ruleset_active()
        return rulesets.ruleset_create_draft(actor=self.officer, based_on=base).version

    @cached_property
    def policy(self) -> Any:
        from anonymizer.policies import services as policies

        return policies.policy_create(actor=self.officer, name="walk")

    @cached_property
    def export(self) -> Any:
        from anonymizer.exports import services as export

        started = export.export_start(
            actor=self.admin_user,
            batch=self.batch,
            policy=default_policy(),
            enqueue=False,
        )
        return export.run_export(started.pk)

    @cached_property
    def review_item(self) -> Any:
        return _review_item(self.batch)

    @cached_property
    def officer_token(self) -> Any:
        from anonymizer.batches import services

        return services.api_token_create(user=self.officer, name="walk")[0]


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_url_status_for_role(
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
    method, build, expected = EXPECTED[name]
    url = build(Context(batch, officer, admin_user))
    response = getattr(clients[role], method)(url)
    assert response.status_code == expected[role], f"{method.upper()} {url} as {role}"
    if response.status_code in (403, 404):
        assert batch.name.encode() not in response.content, "a refusal must not leak the batch"
    if expected[role] == LOGIN and role == "anonymous" and name not in ("logout",):
        assert response["Location"].startswith(reverse("login"))
