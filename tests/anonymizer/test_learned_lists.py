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
