from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from anonymizer.batches import services as batch_services
from anonymizer.models import Policy, Record
from anonymizer.policies import services as policies
from review import services
from review.models import Decision, ReviewItem, ReviewSpan
from tests.review.factories import detect, make_batch

pytestmark = pytest.mark.django_db

HOSTILE = (
    'Hi <script>alert("x")</script> I am <img src=x onerror="alert(1)"> Jane Roe, '
    '<a href="javascript:alert(2)">click</a> mail jane@example.com'
)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def act(client: Client, item: ReviewItem, **data: Any) -> Any:
    return client.post(reverse("review_act", args=[item.public_id]), data, HTTP_HX_REQUEST="true")


@pytest.fixture
def hostile(admin_user: Any, reviewer: Any) -> ReviewItem:
    batch = make_batch(admin_user, [reviewer], [HOSTILE])
    name, mail = HOSTILE.index("Jane Roe"), HOSTILE.index("jane@example.com")
    detect(
        batch,
        [("high", [(name, name + 8, "PERSON", 0.7), (mail, mail + 16, "EMAIL_ADDRESS", 0.99)])],
    )
    item = services.queue_next(reviewer=reviewer)
    assert item is not None
    return item


def test_it_renders_hostile_text_inert_with_a_csp(hostile: ReviewItem, reviewer: Any) -> None:
    response = client_for(reviewer).get(reverse("review_record", args=[hostile.public_id]))
    assert response.status_code == 200
    body = response.content.decode()
    assert (
        "<script>alert" not in body and "<img src=x" not in body and 'href="javascript:' not in body
    )
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert 'data-label="PERSON"' in body and ">Jane Roe</mark>" in body
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert " style=" not in body and "<script>" not in body.replace("<script src=", "")


def test_an_htmx_action_returns_the_updated_workspace_after_commit(
    hostile: ReviewItem, reviewer: Any
) -> None:
    span = ReviewSpan.objects.filter(item=hostile).order_by("start").first()
    response = act(client_for(reviewer), hostile, action="reject", version=0, span=span.pk)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="workspace"') and "Saved: span rejected." in body
    assert 'data-version="1"' in body and "<html" not in body
    span.refresh_from_db()
    assert span.status == "rejected"
    assert Decision.objects.get(item=hostile, action="reject").actor == reviewer


def test_a_stale_version_is_refused_with_a_clear_message(
    hostile: ReviewItem, reviewer: Any
) -> None:
    client = client_for(reviewer)
    first, second = ReviewSpan.objects.filter(item=hostile).order_by("start")
    assert act(client, hostile, action="accept", version=0, span=first.pk).status_code == 200
    response = act(client, hostile, action="reject", version=0, span=second.pk)
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#flash"
    assert "changed since your page was loaded" in response.content.decode()
    second.refresh_from_db()
    assert second.status == "pending"


def test_someone_else_s_record_is_read_only_and_refuses_actions(
    hostile: ReviewItem, reviewer: Any, make_user: Any, admin_user: Any
) -> None:
    other = make_user("rob_reviewer", "reviewer")
    batch_services.batch_assign_reviewers(
        actor=admin_user, batch=hostile.batch, reviewers=[reviewer, other]
    )
    client = client_for(other)
    page = client.get(reverse("review_record", args=[hostile.public_id])).content.decode()
    assert "rita_reviewer is working on this record now" in page and 'name="action"' not in page
    span = ReviewSpan.objects.filter(item=hostile).first()
    response = act(client, hostile, action="accept", version=0, span=span.pk)
    assert (
        response.status_code == 409
        and "Another person holds this record" in response.content.decode()
    )


def test_submit_goes_to_the_next_record(admin_user: Any, reviewer: Any) -> None:
    batch = make_batch(admin_user, [reviewer], ["first one", "second one"])
    detect(batch, [("high", [(0, 5, "PERSON", 0.5)]), ("medium", [])])
    client = client_for(reviewer)
    response = client.post(reverse("review_next"))
    item = ReviewItem.objects.get(holder=reviewer)
    assert response.status_code == 302 and response["Location"].endswith(f"{item.public_id}/")
    assert act(client, item, action="submit", version=0).status_code == 400  # undecided span
    act(client, item, action="accept_all", version=0)
    response = act(client, item, action="submit", version=1)
    following = ReviewItem.objects.get(holder=reviewer)
    assert response["HX-Redirect"] == reverse("review_record", args=[following.public_id])
    assert Record.objects.get(pk=item.record_id).status == "reviewed"


def test_outsiders_get_404_and_admins_403(
    hostile: ReviewItem, outsider: Any, admin_user: Any
) -> None:
    url = reverse("review_record", args=[hostile.public_id])
    for user, status in ((outsider, 404), (admin_user, 403)):
        client = client_for(user)
        for response in (client.get(url), act(client, hostile, action="accept_all", version=0)):
            assert response.status_code == status
            assert b"Jane" not in response.content and b"Review batch" not in response.content


def test_a_reviewer_cannot_use_officer_actions(hostile: ReviewItem, reviewer: Any) -> None:
    response = act(client_for(reviewer), hostile, action="resolve", version=0, note="done")
    assert response.status_code == 403


def test_officer_resolves_an_escalation_through_the_pages(
    hostile: ReviewItem, reviewer: Any, officer: Any
) -> None:
    act(client_for(reviewer), hostile, action="escalate", version=0, note="Is this a real name?")
    client = client_for(officer)
    listing = client.get(reverse("escalation_list")).content.decode()
    assert "Is this a real name?" in listing and str(hostile.public_id) in listing
    assert act(client, hostile, action="take")["HX-Redirect"].endswith(f"{hostile.public_id}/")
    page = client.get(reverse("review_record", args=[hostile.public_id])).content.decode()
    assert "Mark reviewed" in page and "Is this a real name?" in page
    assert act(client, hostile, action="accept_all", version=1).status_code == 200
    response = act(client, hostile, action="resolve", version=2, note="Agreed with the machine")
    assert response["HX-Redirect"] == reverse("escalation_list")
    hostile.refresh_from_db()
    assert hostile.state == "done"


def test_the_preview_hides_pseudonyms(hostile: ReviewItem, reviewer: Any, officer: Any) -> None:
    rules = {"rules": {"PERSON": {"operator": "pseudonymize"}}, "default": {"operator": "redact"}}
    policy = policies.policy_create(actor=officer, name="pseudo", rules=rules)
    policies.policy_submit(actor=officer, policy=policy)
    # Approved directly: four-eyes approval is tested with policies.
    Policy.objects.filter(pk=policy.pk).update(status="approved", approved_at=timezone.now())
    body = client_for(reviewer).get(reverse("review_record", args=[hostile.public_id])).content
    assert b"[PERSON pseudonym]" in body and b"CUSTOMER_NAME_" not in body


def test_page_queries_do_not_grow_with_spans(admin_user: Any, reviewer: Any) -> None:
    words = " ".join(f"w{i:03d}" for i in range(200))
    batch = make_batch(admin_user, [reviewer], [words, words])
    many = [(i * 5, i * 5 + 4, "ID", 0.5) for i in range(200)]
    detect(batch, [("high", many[:2]), ("high", many)])
    client = client_for(reviewer)
    counts = []
    for _ in range(2):
        item = services.queue_next(reviewer=reviewer)
        url = reverse("review_record", args=[item.public_id])
        client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
        services.spans_accept_all(actor=reviewer, item=item, version=item.version)
        services.item_submit(actor=reviewer, item=item, version=item.version + 1)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 16


def test_review_home_lists_assigned_batches_only(
    detected: Any, reviewer: Any, outsider: Any
) -> None:
    assert detected.name.encode() in client_for(reviewer).get(reverse("review_home")).content
    assert detected.name.encode() not in client_for(outsider).get(reverse("review_home")).content


def test_next_with_an_empty_queue_says_so(outsider: Any) -> None:
    client = client_for(outsider)
    response = client.post(reverse("review_next"), follow=True)
    assert b"Nothing is waiting for review" in response.content
