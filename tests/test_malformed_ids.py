"""Malformed ids get a 404, never a 500: every URL pattern of the project (from the walk in
tests/test_urls.py) with each of its path parameters replaced by values that do not name an
object (out of range, unknown, NUL bytes, far too long), for the roles that see the most, by
the method the URL takes. Ids posted in forms are covered too: those are refusals (400, or the
page's usual redirect with a message), never a 500."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from tests.test_urls import EXPECTED, Context, iter_patterns

pytestmark = pytest.mark.django_db

PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
MALFORMED = {
    "int": ["0", str(2**31), str(2**63), str(10**30)],
    "uuid": [str(uuid.uuid4()), "00000000-0000-0000-0000-000000000000"],
    "slug": ["nope", "x" * 300],
    "str": ["nope", "%00", "..", "x" * 300, "%E2%80%AE"],
}
# The roles that see the most, by their name in tests/test_urls.py and their group.
ROLES = {"officer": "privacy_officer", "admin": "admin"}
NOBODY = str(2**31 - 7)  # an int that names no object, for the parameters not under test


def routes() -> Iterator[tuple[str, str]]:
    for name, route in iter_patterns():
        if name and PARAM.search(route):
            yield name, route


def variants(route: str) -> Iterator[str]:
    """The route with one parameter malformed at a time (the others name no object)."""
    params = list(PARAM.finditer(route))
    for i, target in enumerate(params):
        for bad in MALFORMED[target["converter"] or "str"]:
            path = route
            for j, param in reversed(list(enumerate(params))):
                converter = param["converter"] or "str"
                value = bad if i == j else (str(uuid.uuid4()) if converter == "uuid" else NOBODY)
                path = path[: param.start()] + value + path[param.end() :]
            yield "/" + path


def test_every_parametrised_url_is_fuzzed() -> None:
    names = {name for name, _ in routes()}
    assert len(names) >= 15 and {"review_record", "export_download"} <= names


@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize(("name", "route"), sorted(routes()))
def test_a_malformed_id_in_the_url_is_a_404(
    name: str, route: str, role: str, make_user: Any
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(make_user(f"fuzz_{role}", ROLES[role]))
    method, _, expected = EXPECTED[name]
    # A role refused the URL outright (403, or 401 for the token API) is refused here too.
    allowed = {404, expected[role]} if expected[role] in (401, 403) else {404}
    for path in variants(route):
        response = getattr(client, method)(path)
        assert response.status_code in allowed, f"{method.upper()} {path} as {role}"


def test_a_malformed_span_id_posted_to_the_record_is_refused(
    batch: Any, reviewer: Any, officer: Any, admin_user: Any
) -> None:
    from review.services import queue_next

    Context(batch, officer, admin_user).review_item  # noqa: B018 - builds the queue
    item = queue_next(reviewer=reviewer)
    client = Client(raise_request_exception=False)
    client.force_login(reviewer)
    url = f"/review/records/{item.public_id}/act/"
    for span in (str(2**63), str(10**30), "abc"):
        data = {"action": "accept", "version": item.version, "span": span}
        response = client.post(url, data, headers={"HX-Request": "true"})
        assert response.status_code in (400, 409), span


def test_a_malformed_policy_id_posted_to_export_is_refused(batch: Any, admin_user: Any) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)
    url = f"/batches/{batch.public_id}/export/"
    for policy in ("not-a-uuid", "%00", ""):
        response = client.post(url, {"policy": policy})
        assert response.status_code in (302, 400, 404), policy
