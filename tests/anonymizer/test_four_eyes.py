"""Four eyes that hold: whoever wrote or edited a policy version may not approve it, and whoever
built or edited a rule-set candidate (or trained the model it names) may not activate it."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from anonymizer.engine.calibration import CalibrationRow
from anonymizer.models import NerModel, Policy, RuleSet
from anonymizer.policies import services as policies
from anonymizer.rulesets import services as rulesets
from anonymizer.rulesets.calibration import ruleset_calibrate
from anonymizer.rulesets.selectors import RuleSetError, ruleset_active
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

OVERRIDE = "Checked by hand against the pilot tickets"


@pytest.fixture
def officer2(make_user: Any) -> Any:
    return make_user("olga_officer", "privacy_officer")


@pytest.fixture
def officer3(make_user: Any) -> Any:
    return make_user("otto_officer", "privacy_officer")


def edit(policy: Policy, actor: Any, **changes: Any) -> Policy:
    fields = {f: getattr(policy, f) for f in policies.EDITABLE_FIELDS} | changes
    return policies.policy_update_draft(actor=actor, policy=policy, **fields)


def test_an_officer_who_edited_anothers_draft_cannot_approve_it(
    officer: Any, officer2: Any, officer3: Any
) -> None:
    draft = policies.policy_create(actor=officer, name="tickets")
    edit(draft, officer2, rules={"rules": {"PERSON": "keep"}})  # the edit that weakens it
    pending = policies.policy_submit(actor=officer2, policy=draft)
    for who in (officer2, officer):
        with pytest.raises(policies.PolicyError, match="wrote or edited"):
            policies.policy_approve(actor=who, policy=pending)
    assert Policy.objects.get(pk=draft.pk).status == "pending"
    approved = policies.policy_approve(actor=officer3, policy=pending)
    assert approved.status == "approved" and approved.approved_by == officer3
    event = AuditEvent.objects.get(action="policy.approved")
    assert event.payload["editor_ids"] == sorted([officer.pk, officer2.pk])


def test_the_policy_pages_name_the_editors_and_offer_approval_only_to_others(
    officer: Any, officer2: Any, officer3: Any
) -> None:
    draft = policies.policy_create(actor=officer, name="tickets")
    edit(draft, officer2, notes="tightened")
    policies.policy_submit(actor=officer, policy=draft)
    assert set(draft.editors.values_list("username", flat=True)) == {
        officer.username, officer2.username,
    }
    pages = {}
    for user in (officer2, officer3):
        client = Client()
        client.force_login(user)
        pages[user.username] = client.get(reverse("policy_detail", args=[draft.public_id]))
        client.post(reverse("policy_action", args=[draft.public_id, "approve"]))
        if user == officer2:
            assert Policy.objects.get(pk=draft.pk).status == "pending"
    editors = ", ".join(sorted([officer.username, officer2.username]))
    assert f'<dd id="policy-editors">{editors}</dd>' in pages[officer2.username].content.decode()
    approve = f"/policies/{draft.public_id}/approve/"
    assert approve not in pages[officer2.username].content.decode()
    assert approve in pages[officer3.username].content.decode()
    assert Policy.objects.get(pk=draft.pk).approved_by == officer3
    listing = Client()
    listing.force_login(officer3)
    assert officer2.username in listing.get(reverse("policy_list")).content.decode()


def test_whoever_edited_a_rule_set_candidate_cannot_activate_it(
    officer: Any, officer2: Any, officer3: Any
) -> None:
    draft = rulesets.ruleset_create_draft(actor=officer, based_on=ruleset_active())
    config = {**draft.config, "allow_list": ["Acme"]}
    rulesets.ruleset_set_config(actor=officer2, ruleset=draft, config=config)
    for who in (officer, officer2):
        with pytest.raises(RuleSetError, match="another privacy officer must activate"):
            rulesets.ruleset_activate(actor=who, ruleset=draft, override_reason=OVERRIDE)
    assert RuleSet.objects.get(pk=draft.pk).status == "draft"
    rulesets.ruleset_activate(actor=officer3, ruleset=draft, override_reason=OVERRIDE)
    assert ruleset_active().pk == draft.pk
    event = AuditEvent.objects.get(action="ruleset.activated")
    assert event.payload["editor_ids"] == sorted([officer.pk, officer2.pk])


def test_confirming_a_proposal_makes_the_officer_an_editor(officer: Any, officer2: Any) -> None:
    draft = rulesets.ruleset_create_draft(actor=officer, based_on=ruleset_active())
    proposal = {"name": "learned_x_1", "label": "DEVICE_SERIAL", "regex": r"\bKV-\d{5}\b",
                "score": 0.7, "context": [], "context_required": False, "ignore_case": False,
                "support": 4}
    RuleSet.objects.filter(pk=draft.pk).update(proposals=[proposal])
    draft.refresh_from_db()
    rulesets.proposal_confirm(actor=officer2, ruleset=draft, index=0)
    assert officer2 in draft.editors.all()
    with pytest.raises(RuleSetError, match="another privacy officer must activate"):
        rulesets.ruleset_activate(actor=officer2, ruleset=draft, override_reason=OVERRIDE)


def test_the_officer_who_calibrated_a_candidate_cannot_activate_it(
    officer: Any, officer2: Any
) -> None:
    row = CalibrationRow(setting={"narrative_chars": 400}, records=20, auto_cleared=10,
                         must_mask_in_auto_cleared=5, leaked=0)
    draft = ruleset_calibrate(actor=officer, chosen=row, rows=[row], source="gold.jsonl")
    with pytest.raises(RuleSetError, match="another privacy officer must activate"):
        rulesets.ruleset_activate(actor=officer, ruleset=draft, override_reason=OVERRIDE)
    rulesets.ruleset_activate(actor=officer2, ruleset=draft, override_reason=OVERRIDE)
    assert ruleset_active().pk == draft.pk


def test_the_officer_who_trained_a_model_cannot_activate_a_candidate_naming_it(
    officer: Any, officer2: Any, officer3: Any
) -> None:
    model = NerModel.objects.create(
        version=1, path="/srv/models/ner-v1", sha256="a" * 64, base_model="en_core_web_sm",
        created_by=officer,
    )
    draft = rulesets.ruleset_create_draft(actor=officer2, based_on=ruleset_active())
    config = {**draft.config, "ner_model_path": model.path, "ner_model_sha256": model.sha256}
    rulesets.ruleset_set_config(actor=officer2, ruleset=draft, config=config)
    with pytest.raises(RuleSetError, match="another privacy officer must activate"):
        rulesets.ruleset_activate(actor=officer, ruleset=draft, override_reason=OVERRIDE)
    client = Client()
    client.force_login(officer)
    page = client.get(reverse("ruleset_detail", args=[draft.version])).content.decode()
    assert f"/rulesets/{draft.version}/activate/" not in page
    rulesets.ruleset_activate(actor=officer3, ruleset=draft, override_reason=OVERRIDE)
    model.refresh_from_db()
    assert model.status == NerModel.Status.ACTIVE


def test_the_rule_set_page_names_who_built_and_edited_the_candidate(
    officer: Any, officer2: Any, officer3: Any
) -> None:
    draft = rulesets.ruleset_create_draft(actor=officer, based_on=ruleset_active())
    rulesets.ruleset_set_config(actor=officer2, ruleset=draft, config=dict(draft.config))
    pages = {}
    for user in (officer2, officer3):
        client = Client()
        client.force_login(user)
        pages[user] = client.get(reverse("ruleset_detail", args=[draft.version])).content.decode()
    editors = ", ".join(sorted([officer.username, officer2.username]))
    assert f'<dd id="ruleset-editors">{editors}</dd>' in pages[officer3]
    activate = f"/rulesets/{draft.version}/activate/"
    assert activate not in pages[officer2] and activate in pages[officer3]
