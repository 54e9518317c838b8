"""The approver's view of a pending policy: what changed since the previous approved version,
and sending it back to draft with a reason (audited, four eyes like approval)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from anonymizer.models import Policy
from anonymizer.policies import services as policies
from anonymizer.policies.selectors import policy_changes, policy_previous_approved
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

REASON = "PERSON must stay masked for the support purpose"


@pytest.fixture
def officer2(make_user: Any) -> Any:
    return make_user("olga_officer", "privacy_officer")


def edit(policy: Policy, actor: Any, **changes: Any) -> Policy:
    fields = {f: getattr(policy, f) for f in policies.EDITABLE_FIELDS} | changes
    return policies.policy_update_draft(actor=actor, policy=policy, **fields)


def approved_v1(officer: Any, officer2: Any) -> Policy:
    draft = policies.policy_create(actor=officer, name="tickets", id_rule={})
    policies.policy_submit(actor=officer, policy=draft)
    return policies.policy_approve(actor=officer2, policy=draft)


def pending_v2(officer: Any, officer2: Any) -> Policy:
    v1 = approved_v1(officer, officer2)
    draft = policies.policy_new_version(actor=officer, policy=v1)
    rules = dict(draft.rules)
    rules["rules"] = dict(rules["rules"]) | {
        "PERSON": {"operator": "mask", "params": {"keep_last": 2}}
    }
    edit(draft, officer, rules=rules, column_rules={"plan": "keep"}, id_rule={"operator": "keep"})
    return policies.policy_submit(actor=officer, policy=draft)


def page(user: Any, policy: Policy) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("policy_detail", args=[policy.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def send_back(user: Any, policy: Policy, reason: str) -> int:
    client = Client()
    client.force_login(user)
    url = reverse("policy_send_back", args=[policy.public_id])
    return client.post(url, {"reason": reason}).status_code


def test_it_lists_a_changed_operator_an_added_column_and_a_changed_id_rule(
    officer: Any, officer2: Any
) -> None:
    v2 = pending_v2(officer, officer2)
    assert policy_previous_approved(v2).version == 1
    assert policy_changes(v2) == [
        {"area": "entity type", "key": "PERSON", "change": "changed",
         "old": "replace", "new": 'mask {"keep_last": 2}'},
        {"area": "column", "key": "plan", "change": "added", "old": "—", "new": "keep"},
        {"area": "id rule", "key": "id column", "change": "changed",
         "old": "pseudonymize", "new": "keep"},
    ]


def test_it_lists_linkage_domain_and_tabular_changes(officer: Any, officer2: Any) -> None:
    v1 = approved_v1(officer, officer2)
    draft = policies.policy_new_version(actor=officer, policy=v1)
    dp = {"epsilon": 1.0, "total": 3.0, "group_by": "plan"}
    edit(draft, officer, linkage_domain="crm", tabular={"k": 5, "dp": dp})
    rows = policy_changes(draft)
    assert [(r["area"], r["key"], r["change"], r["old"], r["new"]) for r in rows] == [
        ("linkage domain", "linkage_domain", "changed", "default", "crm"),
        ("tabular", "dp.epsilon", "added", "—", "1.0"),
        ("tabular", "dp.group_by", "added", "—", "plan"),
        ("tabular", "dp.total", "added", "—", "3.0"),
        ("tabular", "k", "added", "—", "5"),
    ]


def test_targets_out_of_range_are_refused_on_save(officer: Any) -> None:
    draft = policies.policy_create(actor=officer, name="tickets")
    with pytest.raises(policies.PolicyError, match="dp needs epsilon, total and group_by"):
        edit(draft, officer, tabular={"k": 5, "dp": {"epsilon": 1.0}})
    with pytest.raises(policies.PolicyError, match="k must be a whole number"):
        edit(draft, officer, tabular={"k": 0})


def test_a_first_version_has_no_changes_and_says_so(officer: Any, officer2: Any) -> None:
    draft = policies.policy_create(actor=officer, name="tickets")
    pending = policies.policy_submit(actor=officer, policy=draft)
    assert policy_previous_approved(pending) is None
    assert policy_changes(pending) == []
    assert "First version" in page(officer2, pending)


def test_the_page_shows_the_diff_and_the_send_back_form_to_a_second_officer(
    officer: Any, officer2: Any
) -> None:
    v2 = pending_v2(officer, officer2)
    html = page(officer2, v2)
    assert "What changed since v1" in html
    assert "<td>PERSON</td><td>changed</td>" in html
    assert "<td>plan</td><td>added</td>" in html
    form = f'action="/policies/{v2.public_id}/send-back/"'
    assert form in html and 'name="reason"' in html
    assert form not in page(officer, v2)  # the editor may neither approve nor send it back


def test_sending_back_returns_it_to_draft_with_the_reason_audited(
    officer: Any, officer2: Any
) -> None:
    v2 = pending_v2(officer, officer2)
    assert send_back(officer2, v2, f"  {REASON} ") == 302
    v2.refresh_from_db()
    assert v2.status == Policy.Status.DRAFT and v2.approved_by is None
    event = AuditEvent.objects.get(action="policy.sent_back")
    assert event.actor == officer2 and event.target_id == str(v2.pk)
    assert event.payload == {"name": "tickets", "version": 2, "reason": REASON}
    assert REASON in page(officer, v2)
    assert policies.policy_submit(actor=officer, policy=v2).status == Policy.Status.PENDING


@pytest.mark.parametrize("reason", ["", " " * 12, "too short"])
def test_a_missing_or_short_reason_is_refused(officer: Any, officer2: Any, reason: str) -> None:
    v2 = pending_v2(officer, officer2)
    with pytest.raises(policies.PolicyError, match="at least 10 characters"):
        policies.policy_send_back(actor=officer2, policy=v2, reason=reason)
    send_back(officer2, v2, reason)
    assert Policy.objects.get(pk=v2.pk).status == Policy.Status.PENDING
    assert not AuditEvent.objects.filter(action="policy.sent_back").exists()


def test_an_editor_of_the_version_may_not_send_it_back(officer: Any, officer2: Any) -> None:
    v2 = pending_v2(officer, officer2)
    with pytest.raises(policies.PolicyError, match="wrote or edited"):
        policies.policy_send_back(actor=officer, policy=v2, reason=REASON)
    send_back(officer, v2, REASON)
    assert Policy.objects.get(pk=v2.pk).status == Policy.Status.PENDING


def test_only_a_pending_version_can_be_sent_back(officer: Any, officer2: Any) -> None:
    draft = policies.policy_create(actor=officer, name="tickets")
    with pytest.raises(policies.PolicyError, match="draft policy cannot be sent back"):
        policies.policy_send_back(actor=officer2, policy=draft, reason=REASON)


@pytest.mark.parametrize("role", ["reviewer", "admin_user"])
def test_a_reviewer_or_admin_gets_403(
    officer: Any, officer2: Any, role: str, request: pytest.FixtureRequest
) -> None:
    v2 = pending_v2(officer, officer2)
    assert send_back(request.getfixturevalue(role), v2, REASON) == 403
    assert Policy.objects.get(pk=v2.pk).status == Policy.Status.PENDING
