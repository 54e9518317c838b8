"""The regression gate cannot go stale: an evaluation vouches only for the configuration and
model it evaluated, against the rule set active at the time; anything else needs a fresh
evaluation or a written override by an officer who did not build or edit the candidate."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from anonymizer.models import RuleSet
from anonymizer.rulesets import services as rulesets
from anonymizer.rulesets.selectors import RuleSetError, config_digest, ruleset_active
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

OVERRIDE = "DPO accepted the change for the pilot, ticket 42"


@pytest.fixture
def officer2(make_user: Any) -> Any:
    return make_user("olga_officer", "privacy_officer")


def figures(leak: float) -> dict[str, Any]:
    return {"per_entity": {}, "leak_rate": leak, "char_precision": 1.0, "precision": 1.0,
            "recall": 1.0}


def evaluated_draft(officer: Any) -> RuleSet:
    """A draft whose stored evaluation (of its configuration as it is) found nothing worse."""
    active = ruleset_active()
    draft = rulesets.ruleset_create_draft(actor=officer, based_on=active)
    rulesets.evaluation_store(
        actor=officer, draft=draft, baseline=active,
        report={"candidate": figures(0.01), "baseline": figures(0.02)},
        found=[], held=10, train=40,
    )
    return draft


def test_a_fresh_evaluation_ties_itself_to_the_config_and_model_it_evaluated(
    officer: Any, officer2: Any
) -> None:
    draft = rulesets.ruleset_create_draft(actor=officer, based_on=ruleset_active())
    evaluation = rulesets.ruleset_evaluate(actor=officer, ruleset=draft)
    assert evaluation.config_sha256 == config_digest(draft.config)
    assert evaluation.ner_model_sha256 == str(draft.config.get("ner_model_sha256") or "")
    event = AuditEvent.objects.get(action="ruleset.evaluated")
    assert event.payload["config_sha256"] == evaluation.config_sha256
    # Nobody has reviewed anything yet: an evaluation on no record vouches for nothing.
    assert evaluation.held_out_records == 0
    with pytest.raises(RuleSetError, match="covered no reviewed record"):
        rulesets.ruleset_activate(actor=officer2, ruleset=draft)


def test_a_fresh_evaluation_that_finds_nothing_worse_needs_no_override(
    officer: Any, officer2: Any
) -> None:
    draft = evaluated_draft(officer)
    evaluation = draft.evaluations.get()
    rulesets.ruleset_activate(actor=officer2, ruleset=draft)
    activated = AuditEvent.objects.get(action="ruleset.activated")
    assert activated.payload["evaluation"] == evaluation.pk
    assert activated.payload["stale"] == "" and activated.payload["override_reason"] == ""


def test_an_edit_after_the_evaluation_makes_it_stale(officer: Any, officer2: Any) -> None:
    draft = evaluated_draft(officer)
    config = {**draft.config, "allow_list": [*draft.config.get("allow_list", []), "Jane"]}
    rulesets.ruleset_set_config(actor=officer, ruleset=draft, config=config)
    with pytest.raises(RuleSetError, match="changed after its last evaluation"):
        rulesets.ruleset_activate(actor=officer2, ruleset=draft)
    with pytest.raises(RuleSetError, match="written override"):
        rulesets.ruleset_activate(actor=officer2, ruleset=draft, override_reason="ok")
    rulesets.ruleset_activate(actor=officer2, ruleset=draft, override_reason=OVERRIDE)
    draft.refresh_from_db()
    assert draft.status == "active" and draft.activation_override == OVERRIDE
    event = AuditEvent.objects.get(action="ruleset.activated")
    assert event.payload["override_reason"] == OVERRIDE
    assert event.payload["stale"] == "it changed after its last evaluation"
    assert event.actor_id == officer2.pk


def test_a_hand_made_draft_without_evaluation_needs_an_override(
    officer: Any, officer2: Any
) -> None:
    draft = rulesets.ruleset_create_draft(actor=officer, based_on=ruleset_active())
    client = Client()
    client.force_login(officer2)
    page = client.get(reverse("ruleset_detail", args=[draft.version])).content.decode()
    assert "No fresh evaluation: it has no evaluation" in page and 'name="override_reason"' in page
    client.post(reverse("ruleset_activate", args=[draft.version]))
    assert RuleSet.objects.get(pk=draft.pk).status == "draft"
    client.post(reverse("ruleset_activate", args=[draft.version]), {"override_reason": OVERRIDE})
    assert RuleSet.objects.get(pk=draft.pk).status == "active"


def test_an_evaluation_against_a_baseline_no_longer_active_is_stale(
    officer: Any, officer2: Any
) -> None:
    first, second = evaluated_draft(officer), evaluated_draft(officer)
    rulesets.ruleset_activate(actor=officer2, ruleset=first)
    with pytest.raises(RuleSetError, match=f"v{first.version} is active now"):
        rulesets.ruleset_activate(actor=officer2, ruleset=second)


def test_a_hand_edit_of_the_model_digest_is_not_covered_by_the_old_evaluation(
    officer: Any, officer2: Any
) -> None:
    draft = evaluated_draft(officer)
    config = {**draft.config, "ner_model_path": "/srv/models/other", "ner_model_sha256": "b" * 64}
    RuleSet.objects.filter(pk=draft.pk).update(config=config)  # even bypassing the services
    draft.refresh_from_db()
    with pytest.raises(RuleSetError, match="no fresh evaluation"):
        rulesets.ruleset_activate(actor=officer2, ruleset=draft)
