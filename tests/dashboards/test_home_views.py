"""The home page per role: each role sees its section (a user with several roles sees each),
and nothing of the others'; a reviewer sees only their own batches."""

from __future__ import annotations

import json
import re
from typing import Any

import django_rq
import pytest
import rq
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from anonymizer import queues
from tests.dashboards import builders as b
from tests.review.factories import detect, make_batch
from tests.workers import wait_for

pytestmark = pytest.mark.django_db

SECTIONS = ('id="reviewer"', 'id="officer"', 'id="admin"')


def home(user: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def sections(page: str) -> tuple[bool, ...]:
    return tuple(marker in page for marker in SECTIONS)


def chart_json(page: str, chart_id: str) -> dict[str, Any]:
    found = re.search(
        rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', page, re.S
    )
    assert found, f"no JSON for {chart_id}"
    return json.loads(found.group(1))


def test_the_reviewer_sees_their_queue_and_figures_and_nothing_else(
    admin_user: Any, reviewer: Any, officer: Any, make_user: Any
) -> None:
    other = make_user("olga_other", "reviewer")
    b.escalations_batch(admin_user, reviewer, 3, name="Tickets of March")
    b.escalations_batch(admin_user, other, 2, name="Olga's letters")
    b.resolve(officer, b.officer_take(officer, b.escalate(reviewer, b.take(reviewer))))
    page = home(reviewer)
    assert sections(page) == (True, False, False)
    assert "Tickets of March" in page and "Olga&#x27;s letters" not in page
    assert "Olga" not in page
    assert "Privacy overview" not in page and "chart-tiers" not in page
    assert re.search(r'data-testid="waiting"><span class="big">2</span>', page)
    assert "100.0 %</span> agreement with officers (1 of 1 resolved escalations)" in page
    # The escalation decided no span: no span decision today, one record finished.
    assert re.search(
        r'data-testid="today"><span class="big">0</span> span decisions today, <strong>1</strong>',
        page,
    )
    queue = chart_json(page, "chart-my-queue")
    assert queue["labels"] == ["Tickets of March"]
    assert [d["data"] for d in queue["datasets"]] == [[2], [0], [0]]


def test_an_unassigned_reviewer_sees_an_empty_queue(
    admin_user: Any, reviewer: Any, outsider: Any
) -> None:
    b.escalations_batch(admin_user, reviewer, 1, name="Tickets of March")
    page = home(outsider)
    assert sections(page) == (True, False, False)
    assert "No batch is assigned to you for review" in page
    assert "Tickets of March" not in page


def test_the_officer_sees_the_risk_overview_only(
    admin_user: Any, reviewer: Any, officer: Any, make_user: Any
) -> None:
    second = make_user("sam_second", "privacy_officer")
    batch = b.escalations_batch(admin_user, reviewer, 2, name="Tickets of March")
    b.escalate(reviewer, b.take(reviewer))
    b.dp_releases(batch, [0.5], total=2.0)
    b.pending_policy(second, "theirs")
    b.evaluated_draft(second, leak=0.05, baseline_leak=0.08)
    page = home(officer)
    assert sections(page) == (False, True, False)
    assert re.search(r'data-testid="escalations">\s*<span class="big">1</span>', page)
    assert re.search(r'data-testid="awaiting"><span class="big">2</span>', page)
    assert chart_json(page, "chart-tiers")["datasets"][0]["data"] == [2, 0, 0]
    learning = chart_json(page, "chart-learning")
    assert learning["labels"] == ["v1", "v2"]
    assert learning["datasets"][0]["data"] == [8.0, 5.0]
    assert "theirs v1" in page and 'href="/rulesets/2/"' in page
    assert "<strong>1.5</strong>" in page  # budget left: 2.0 - 0.5
    assert 'role="img" aria-label="Records by risk tier. High: 2 records' in page


def test_the_admin_sees_batches_exports_and_workers(
    admin_user: Any, reviewer: Any, workers: Any
) -> None:
    batch = make_batch(admin_user, [reviewer], ["a", "b"], name="Uploaded today")
    detected = make_batch(admin_user, [reviewer], ["c"], name="In review now")
    detect(detected, [("high", [])])
    worker = workers()
    wait_for(lambda: len(queues.workers_alive()) >= 1, timeout=120, what="an rq worker")
    # A plain rq queue: django_rq's would wait for this test's transaction to commit.
    export_queue = rq.Queue("export", connection=django_rq.get_connection("export"))
    export_queue.empty()
    export_queue.enqueue("anonymizer.exports.jobs.run_export", 0)  # no export worker runs here
    try:
        page = home(admin_user)
    finally:
        export_queue.empty()
    assert sections(page) == (False, False, True)
    assert 'data-stage="uploaded"><strong>1</strong>' in page
    assert 'data-stage="in_review"><strong>1</strong>' in page
    assert "Uploaded today" in page and "In review now" in page
    assert "0 of 1 records reviewed or auto-cleared, 1 waiting" in page
    assert re.search(r'<th scope="row">export</th><td class="num">1</td>', page)
    alive = queues.workers_alive()
    assert alive and all(w["name"] in page for w in alive)
    assert worker.poll() is None and batch.name in page


def test_a_user_with_several_roles_sees_each_section(
    admin_user: Any, reviewer: Any, make_user: Any
) -> None:
    both = make_user("bea_both", "reviewer")
    both.groups.add(Group.objects.get(name="privacy_officer"))
    b.escalations_batch(admin_user, both, 1, name="Hers")
    page = home(both)
    assert sections(page) == (True, True, False)
    assert 'href="#reviewer"' in page and 'href="#officer"' in page
    assert 'href="#admin"' not in page


def test_a_user_without_a_role_is_told_so(db: Any) -> None:
    nobody = get_user_model().objects.create_user(username="nobody", password="x" * 12)
    page = home(nobody)
    assert sections(page) == (False, False, False)
    assert "Your account has no role yet" in page


def test_anonymous_users_go_to_the_login_page(client: Client) -> None:
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_hostile_batch_name_stays_data_in_the_chart_json(
    admin_user: Any, reviewer: Any
) -> None:
    name = '</script><script>alert(1)</script> & "quotes"'
    b.escalations_batch(admin_user, reviewer, 1, name=name)
    page = home(reviewer)
    assert "<script>alert(1)" not in page
    assert chart_json(page, "chart-my-queue")["labels"] == [name]
