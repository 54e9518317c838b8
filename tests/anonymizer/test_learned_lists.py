"""What reviewers keep adding is learned as keyed digests: the candidate rule set finds the
string again, and neither its configuration nor its audit trail holds the string."""

from __future__ import annotations

import json
from typing import Any

import pytest

from anonymizer.batches import services
from anonymizer.detection import services as detection
from anonymizer.engine.analyzer import build_analyzer, detect
from anonymizer.engine.ruleset import RuleSetConfig
from anonymizer.rulesets.services import retrain_round
from audit.models import AuditEvent
from review import services as review
from tests.inline_jobs import run_detection

pytestmark = pytest.mark.django_db

CODENAME = "quillmoor"  # a lower-case project codename no recognizer knows


def tickets(n: int) -> bytes:
    return "\n".join(
        json.dumps({"id": f"q{i}", "text": f"The {CODENAME} rollout failed again on box {i}."})
        for i in range(n)
    ).encode()


def add_the_codename_everywhere(reviewer: Any) -> None:
    while (item := review.queue_next(reviewer=reviewer)) is not None:
        start = item.record.text.index(CODENAME)
        item = review.span_add(actor=reviewer, item=item, version=item.version, start=start,
                               end=start + len(CODENAME), label="PROJECT")
        item = review.spans_accept_all(actor=reviewer, item=item, version=item.version)
        review.item_submit(actor=reviewer, item=item, version=item.version)


def test_a_string_reviewers_keep_adding_is_learned_as_a_digest(
    admin_user: Any, reviewer: Any, officer: Any
) -> None:
    batch = services.batch_import(actor=admin_user, data=tickets(30), name="codenames",
                                  data_class="personal", purpose="external_sharing",
                                  source_format="jsonl")
    services.batch_assign_reviewers(actor=admin_user, batch=batch, reviewers=[reviewer])
    run_detection(detection.detection_start(actor=admin_user, batch=batch))
    add_the_codename_everywhere(reviewer)

    candidate = retrain_round(actor=officer)
    assert CODENAME not in json.dumps(candidate.config)
    assert len(candidate.config["learned_deny"]["PROJECT"]) == 1
    assert not AuditEvent.objects.filter(payload__icontains=CODENAME).exists()
    config = RuleSetConfig.from_dict(candidate.config)
    text = f"Is {CODENAME} back up?"
    assert (CODENAME, "PROJECT") in {
        (text[s.start:s.end], s.label) for s in detect(text, analyzer=build_analyzer(config))
    }


def test_the_rule_set_page_counts_what_a_candidate_learned(officer: Any) -> None:
    from django.test import Client

    from anonymizer.engine import learned
    from anonymizer.rulesets import services as rulesets
    from anonymizer.rulesets.selectors import ruleset_active

    draft = rulesets.ruleset_create_draft(actor=officer, based_on=ruleset_active())
    secret = learned.key()
    lists = learned.LearnedLists(
        frozenset(learned.make_digests(["Acme Basic"], secret)),
        {"PERSON": frozenset(learned.make_digests(["Wilhelmina Okafor", "Ada Quist"], secret))},
        2, learned.key_id(secret))
    config = RuleSetConfig.from_dict(draft.config).with_learned(lists).to_dict()
    rulesets.ruleset_set_config(actor=officer, ruleset=draft, config=config)
    client = Client()
    client.force_login(officer)
    page = client.get(f"/rulesets/{draft.version}/").content.decode()
    assert 'id="learned-summary"' in page
    assert "2 strings added to the deny-list as PERSON" in page
    assert "1 string added to the allow-list" in page
    assert "Wilhelmina" not in page and "Acme" not in page
