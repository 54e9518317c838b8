"""manage.py calibrate_risk on labelled text, and detection under a rule set's thresholds."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from anonymizer.batches import services
from anonymizer.detection import services as detection
from anonymizer.models import RiskAssessment, RuleSet
from anonymizer.rulesets import services as rulesets
from anonymizer.rulesets.selectors import ruleset_active
from audit.models import AuditEvent
from tests.inline_jobs import run_detection

pytestmark = pytest.mark.django_db

GOLD = [
    ("The app is slow today and the update did not help at all.", []),
    ("Please ask Wilhelmina Quarrington about the refund for my order.", [(11, 32, "PERSON")]),
    ("Login fails on the second try; clearing the cache did nothing.", []),
]


def gold_file(tmp_path: Path) -> Path:
    path = tmp_path / "gold.jsonl"
    lines = [
        json.dumps({"id": str(i), "text": t, "spans": [
            {"start": s, "end": e, "label": lab} for s, e, lab in spans
        ]})
        for i, (t, spans) in enumerate(GOLD)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_calibration_prints_each_setting_and_writes_a_draft(tmp_path: Path, officer: Any) -> None:
    out = StringIO()
    before = RuleSet.objects.count()
    call_command("calibrate_risk", str(gold_file(tmp_path)), "--max-leak", "1", stdout=out)
    text = out.getvalue()
    assert "auto-clear" in text and "Chosen:" in text and "Written into draft rule set" in text
    draft = RuleSet.objects.get(version=ruleset_active().version + 1)
    assert RuleSet.objects.count() == before + 1 and draft.status == RuleSet.Status.DRAFT
    assert set(draft.config["risk_thresholds"]) == {
        "confident_score", "low_confidence_score", "max_risky_hints", "density_per_100_chars"
    }
    event = AuditEvent.objects.get(action="ruleset.risk_calibrated")
    assert event.payload["version"] == draft.version
    assert "Wilhelmina" not in json.dumps(event.payload) and "Wilhelmina" not in draft.notes


def test_a_dry_run_writes_nothing(tmp_path: Path, officer: Any) -> None:
    before = RuleSet.objects.count()
    call_command("calibrate_risk", str(gold_file(tmp_path)), "--dry-run", stdout=StringIO())
    assert RuleSet.objects.count() == before


def test_detection_uses_the_rule_sets_thresholds(
    admin_user: Any, officer: Any, make_user: Any
) -> None:
    draft = rulesets.ruleset_create_draft(actor=officer, based_on=ruleset_active())
    config = {**draft.config, "risk_thresholds": {"narrative_chars": 10}}
    rulesets.ruleset_update_draft(
        actor=officer, ruleset=draft, config=config, notes="", validation_sample_rate=0
    )
    # Four eyes and the regression gate: another officer activates, with a written override
    # (thresholds only change risk tiers, so nobody evaluated the detection of this draft).
    rulesets.ruleset_activate(
        actor=make_user("olga_officer", "privacy_officer"), ruleset=draft,
        override_reason="Risk thresholds only; detection unchanged",
    )
    batch = services.batch_import(
        actor=admin_user,
        data=b"The app is slow today.\n",
        name="t",
        data_class="internal",
        purpose="theme_analysis",
        source_format="text_lines",
    )
    run_detection(detection.detection_start(actor=admin_user, batch=batch))
    risk = RiskAssessment.objects.get(record__batch=batch)
    assert risk.tier == "medium" and "narrative" in {t["code"] for t in risk.triggers}
