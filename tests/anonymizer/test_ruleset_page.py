"""The rule-set page shows a candidate's evaluation, the external dev set's figures included."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from anonymizer.models import RuleSetEvaluation
from anonymizer.rulesets import services as rulesets
from anonymizer.rulesets.selectors import ruleset_active

pytestmark = pytest.mark.django_db


def report(leak: float) -> dict[str, Any]:
    figures = {"leak_rate": leak, "char_precision": 0.9, "precision": 0.9, "recall": 0.8}
    return {"per_entity": {}, **figures}


def test_the_external_dev_figures_and_their_regressions_show(officer: Any) -> None:
    active = ruleset_active()
    draft = rulesets.ruleset_create_draft(actor=officer, based_on=active)
    RuleSetEvaluation.objects.create(
        ruleset=draft,
        baseline=active,
        held_out_records=3,
        training_records=12,
        report={
            "candidate": report(0.02),
            "baseline": report(0.03),
            "external_dev": {"candidate": report(0.0456), "baseline": report(0.0123)},
        },
        regressions=["dev:PERSON"],
    )
    client = Client()
    client.force_login(officer)
    body = client.get(reverse("ruleset_detail", args=[draft.version])).content.decode()
    assert 'id="external-dev"' in body and "0.0456" in body and "0.0123" in body
    assert "dev:PERSON" in body
