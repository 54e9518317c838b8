from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from anonymizer.exports import vault
from anonymizer.models import Policy, VaultEntry
from anonymizer.policies import services as policies
from audit.models import AuditEvent
from tests.policy_editor.helpers import editor_values, row_prefix

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer2(make_user: Any) -> Any:
    return make_user("olga_officer", "privacy_officer")


def test_the_default_policy_is_approved_after_migrate() -> None:
    default = Policy.objects.get(name="default", status="approved")
    assert default.status == "approved"
    assert default.rules["rules"]["PERSON"] == {"operator": "replace"}
    assert default.rules["default"] == {"operator": "redact"}


def test_four_eyes_life_cycle(officer: Any, officer2: Any, admin_user: Any) -> None:
    draft = policies.policy_create(
        actor=officer, name="tickets", data_class="personal", purpose="model_training"
    )
    assert draft.status == "draft" and draft.version == 1
    pending = policies.policy_submit(actor=officer, policy=draft)
    with pytest.raises(policies.PolicyError, match="another privacy officer"):
        policies.policy_approve(actor=officer, policy=pending)
    with pytest.raises(policies.PolicyError, match="Only a privacy officer"):
        policies.policy_approve(actor=admin_user, policy=pending)
    approved = policies.policy_approve(actor=officer2, policy=pending)
    assert approved.status == "approved" and approved.approved_by == officer2
    with pytest.raises(policies.PolicyError, match="Only a draft"):
        policies.policy_update_draft(
            actor=officer,
            policy=approved,
            rules=approved.rules,
            column_rules={},
            notes="",
            data_class="",
            purpose="",
            linkage_domain="default",
        )
    v2 = policies.policy_new_version(actor=officer, policy=approved)
    assert (v2.name, v2.version, v2.status) == ("tickets", 2, "draft")
    retired = policies.policy_retire(actor=officer2, policy=approved)
    assert retired.status == "retired"
    actions = list(
        AuditEvent.objects.filter(action__startswith="policy.").values_list("action", flat=True)
    )
    assert actions == [
        "policy.created",
        "policy.submitted",
        "policy.approved",
        "policy.created",
        "policy.retired",
    ]


def test_the_database_refuses_self_approval(officer: Any) -> None:
    draft = policies.policy_create(actor=officer, name="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        Policy.objects.filter(pk=draft.pk).update(approved_by=officer)


def test_invalid_rules_are_refused(officer: Any) -> None:
    with pytest.raises(policies.PolicyError, match="unknown operator"):
        policies.policy_create(
            actor=officer, name="bad", rules={"rules": {"PERSON": {"operator": "shred"}}}
        )


def test_vault_lookup_is_for_officers_with_a_reason(
    officer: Any, admin_user: Any, reviewer: Any
) -> None:
    vault.vault_store_many("support", {"CUSTOMER_NAME_ABC": ("PERSON", "Zebulon Quackenbush")})
    entry = VaultEntry.objects.get()
    assert b"Zebulon" not in bytes(entry.ciphertext)  # stored encrypted
    with pytest.raises(vault.VaultError, match="reason"):
        vault.vault_lookup(actor=officer, domain="support", token="CUSTOMER_NAME_ABC", reason="x")
    original = vault.vault_lookup(
        actor=officer,
        domain="support",
        token="CUSTOMER_NAME_ABC",
        reason="Customer asked for erasure, ticket 77",
    )
    assert original == "Zebulon Quackenbush"
    event = AuditEvent.objects.get(action="vault.lookup")
    assert event.payload["reason"] == "Customer asked for erasure, ticket 77"
    assert "Zebulon" not in str(event.payload)
    for user in (admin_user, reviewer):
        client = Client()
        client.force_login(user)
        response = client.post(
            "/vault/lookup/",
            {
                "linkage_domain": "support",
                "token": "CUSTOMER_NAME_ABC",
                "reason": "I would like to know who it is",
            },
        )
        assert response.status_code == 403 and b"Zebulon" not in response.content


def test_officer_edits_submits_and_another_approves_in_the_browser(
    officer: Any, officer2: Any
) -> None:
    client = Client()
    client.force_login(officer)
    values = editor_values(client) | {
        "name": "support-training", "data_class": "personal", "purpose": "model_training",
        "linkage_domain": "support",
    }
    values[f"{row_prefix(values, 'type', 'PERSON')}-operator"] = "pseudonymize"
    values[f"{row_prefix(values, 'column', '')}-column"] = "plan"
    values[f"{row_prefix(values, 'column', 'plan')}-operator"] = "keep"
    response = client.post("/policies/new/", values)
    assert response.status_code == 302
    policy = Policy.objects.get(name="support-training")
    assert policy.rules["rules"]["PERSON"] == {"operator": "pseudonymize"}
    assert policy.rules["rules"]["EMAIL_ADDRESS"] == {"operator": "replace"}
    assert policy.column_rules == {"plan": {"operator": "keep"}}
    bad = editor_values(client, policy)
    bad[f"{row_prefix(bad, 'type', 'PERSON')}-operator"] = "shred"
    bad["linkage_domain"] = "not a slug"
    response = client.post(f"/policies/{policy.public_id}/", bad)
    assert response.status_code == 400 and b"Select a valid choice" in response.content
    policy.refresh_from_db()
    assert policy.linkage_domain == "support"
    client.post(f"/policies/{policy.public_id}/submit/")
    client.post(f"/policies/{policy.public_id}/approve/")
    policy.refresh_from_db()
    assert policy.status == "pending"  # the author cannot approve
    other = Client()
    other.force_login(officer2)
    other.post(f"/policies/{policy.public_id}/approve/")
    policy.refresh_from_db()
    assert policy.status == "approved" and policy.approved_by == officer2
