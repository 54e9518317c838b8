"""The preview on the policy page: sample records of a batch, the highest-risk first, original
beside transformed under the version; privacy officers only; audited with ids, never text."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from anonymizer.models import Record
from anonymizer.policies import services as policies
from audit.models import AuditEvent
from tests.policy_editor.helpers import client_for
from tests.review.factories import detect, span_at

pytestmark = pytest.mark.django_db

T1 = "Hi, I'm Jane Roe, order ORD-123456 is late."


@pytest.fixture
def detected(batch: Any) -> Any:
    """T1 medium (a name and an order id), T2 high (nothing found), T3 low."""
    detect(batch, [
        ("medium", [span_at(T1, "Jane Roe", "PERSON", 0.9), span_at(T1, "ORD-123456",
                                                                    "ORDER_ID", 0.8)]),
        ("high", []),
        ("low", []),
    ], prepare=False)
    return batch


@pytest.fixture
def policy(officer: Any) -> Any:
    rules = {"rules": {"PERSON": {"operator": "pseudonymize"},
                       "ORDER_ID": {"operator": "mask", "params": {"keep_last": 2}}},
             "default": {"operator": "redact"}}
    return policies.policy_create(
        actor=officer, name="support", rules=rules, column_rules={"plan": "keep"},
        id_rule={"operator": "keep"},
    )


def preview(user: Any, policy: Any, batch: Any, **extra: Any) -> Any:
    url = reverse("policy_preview", args=[policy.public_id])
    return client_for(user).post(url, {"batch": str(batch.public_id), **extra}, **(
        {"HTTP_HX_REQUEST": "true"} if extra.pop("htmx", True) else {}))


def test_an_officer_sees_records_highest_risk_first_beside_their_transformation(
    detected: Any, policy: Any, officer: Any
) -> None:
    response = preview(officer, policy, detected, records="2")
    html = response.content.decode()
    assert response.status_code == 200
    positions = re.findall(r"Record (\d+) ·", html)
    assert positions == ["2", "1"]  # high first, then medium; two asked for
    assert '<mark class="found" title="Person">Jane Roe</mark>' in html  # the original
    assert "[PERSON pseudonym]</mark>" in html and "CUSTOMER_NAME_" not in html
    assert "***-****56</mark>" in html  # ORD-123456 masked, the last two kept
    assert "<td><code>plan</code></td><td>pro</td><td>pro</td>" in html
    assert "<td><code>postcode</code></td><td>SW1A 1AA</td><td><span class=\"empty\">dropped" \
        in html
    event = AuditEvent.objects.get(action="policy.previewed")
    ids = list(Record.objects.filter(batch=detected, position__in=[2, 1])
               .order_by("-position").values_list("id", flat=True))
    assert event.actor == officer and event.target_id == str(policy.pk)
    assert str(event.batch_public_id) == str(detected.public_id)
    assert event.payload == {"name": "support", "version": 1, "records": ids}
    text = json.dumps(event.payload)
    assert not any(s in text for s in ("Jane", "ORD-", "T1", "T2", "SW1A", "pro"))


@pytest.mark.parametrize("role", ["reviewer", "admin_user", "outsider"])
def test_nobody_but_an_officer_previews(
    detected: Any, policy: Any, role: str, request: pytest.FixtureRequest
) -> None:
    response = preview(request.getfixturevalue(role), policy, detected)
    assert response.status_code == 403 and b"Jane" not in response.content
    assert not AuditEvent.objects.filter(action="policy.previewed").exists()


def test_the_policy_page_offers_the_preview_to_officers_only(
    detected: Any, policy: Any, officer: Any, admin_user: Any
) -> None:
    url = reverse("policy_detail", args=[policy.public_id])
    assert b'id="policy-preview-form"' in client_for(officer).get(url).content
    page = client_for(admin_user).get(url).content
    assert b'id="policy-preview-form"' not in page and b'id="policy-risk-form"' in page


def test_a_batch_the_policy_does_not_fit_is_refused(
    detected: Any, officer: Any
) -> None:
    other = policies.policy_create(actor=officer, name="training", purpose="model_training")
    response = preview(officer, other, detected, htmx=False)
    assert response.status_code == 400 and b"does not apply" in response.content
    assert b"Jane" not in response.content
    assert not AuditEvent.objects.filter(action="policy.previewed").exists()


def test_without_htmx_the_page_comes_back_with_the_preview(
    detected: Any, policy: Any, officer: Any
) -> None:
    response = preview(officer, policy, detected, htmx=False)
    html = response.content.decode()
    assert response.status_code == 200 and "<h1>support v1" in html
    assert html.count('class="preview-record"') == 3
