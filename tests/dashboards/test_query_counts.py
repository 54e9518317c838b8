"""The home page costs the same number of queries whatever the number of batches (and of
records, decisions, escalations, exports and DP releases in them), for every role."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from anonymizer.exports import services as exports
from anonymizer.policies.selectors import default_policy
from tests.dashboards import builders as b

pytestmark = pytest.mark.django_db

MAX_QUERIES = 40


def add_batches(n: int, admin: Any, reviewer: Any, officer: Any, start: int) -> None:
    """`n` batches, each with decisions, a resolved and a waiting escalation, an export and a
    DP release."""
    for i in range(start, start + n):
        batch = b.escalations_batch(admin, reviewer, 4, name=f"Batch {i}")
        first = b.take(reviewer)
        b.accept(reviewer, first, "PERSON")
        b.resolve(officer, b.officer_take(officer, b.escalate(reviewer, first)))
        b.escalate(reviewer, b.take(reviewer))
        b.submit(reviewer, b.take(reviewer))
        exports.export_start(actor=admin, batch=batch, policy=default_policy(), enqueue=False)
        b.dp_releases(batch, [0.5], total=3.0)


def queries(user: Any) -> int:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured)


@pytest.mark.parametrize("role", ["reviewer", "officer", "admin_user"])
def test_home_queries_do_not_grow_with_batches(
    role: str,
    admin_user: Any,
    reviewer: Any,
    officer: Any,
    django_assert_max_num_queries: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    user = {"reviewer": reviewer, "officer": officer, "admin_user": admin_user}[role]
    b.evaluated_draft(officer, leak=0.05, baseline_leak=0.08)
    add_batches(2, admin_user, reviewer, officer, start=0)
    queries(user)  # warms the per-process caches (content types) that a first request fills
    few = queries(user)
    add_batches(4, admin_user, reviewer, officer, start=2)
    many = queries(user)
    assert few == many, f"{few} queries with 2 batches, {many} with 6"
    client = Client()
    client.force_login(user)
    with django_assert_max_num_queries(MAX_QUERIES):
        client.get(reverse("home"))
