"""Exports under realistic surrogates and with implied-identifier phrases: consistent fake
names, valid card numbers, dates moved per customer keeping intervals, vault entries for
each surrogate, the manifest naming the surrogated types; a phrase the policy generalizes
leaves as its kind of detail with what it contains, a kept one leaves its place names to
their own rule."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from anonymizer.engine.validators import luhn_ok
from anonymizer.exports import services as export
from anonymizer.exports.selectors import export_dir
from anonymizer.models import DetectedSpan, Record, VaultEntry
from anonymizer.policies import services as policies
from tests.review.factories import detect, make_batch

pytestmark = pytest.mark.django_db

TEXTS = [
    "Jane Smith paid with 4111 1111 1111 1111 on 2021-03-14.",
    "Jane Smith called again on 2021-04-02.",
    "I am the only nurse at the Leeds clinic.",
]


@pytest.fixture
def officer2(make_user: Any) -> Any:
    return make_user("olga_officer", "privacy_officer")


def approved(officer: Any, officer2: Any, rules: dict[str, Any]) -> Any:
    policy = policies.policy_create(actor=officer, name="realistic",
                                    rules={"rules": rules, "default": {"operator": "redact"}})
    policies.policy_submit(actor=officer, policy=policy)
    return policies.policy_approve(actor=officer2, policy=policy)


def exported_texts(admin_user: Any, batch: Any, policy: Any) -> tuple[list[str], Any]:
    started = export.export_start(actor=admin_user, batch=batch, policy=policy, enqueue=False)
    done = export.run_export(started.pk)
    lines = (export_dir(done) / "records.jsonl").read_text().splitlines()
    return [json.loads(line)["text"] for line in lines], done


def test_surrogates_keep_the_text_natural_and_consistent(
    admin_user: Any, reviewer: Any, officer: Any, officer2: Any, tmp_path: Path, settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    batch = make_batch(admin_user, [reviewer], TEXTS[:2], id_column="")
    detect(batch, [
        ("high", [(0, 10, "PERSON", 0.9), (21, 40, "CREDIT_CARD", 1.0),
                  (44, 54, "DATE_TIME", 0.9)]),
        ("high", [(0, 10, "PERSON", 0.9), (27, 37, "DATE_TIME", 0.9)]),
    ])
    Record.objects.filter(batch=batch).update(status="reviewed")
    policy = approved(officer, officer2, {
        "PERSON": {"operator": "surrogate"}, "CREDIT_CARD": {"operator": "surrogate"},
        "DATE_TIME": {"operator": "surrogate"},
    })
    texts, done = exported_texts(admin_user, batch, policy)
    first, second = texts
    name = re.match(r"([\w'-]+ [\w'-]+) paid", first)
    assert name and name.group(1) != "Jane Smith" and second.startswith(name.group(1))
    card = re.search(r"with ([\d ]+) on", first)
    assert card and luhn_ok(card.group(1)) and card.group(1) != "4111 1111 1111 1111"
    assert not re.search(r"\bJane\b|\bSmith\b", "".join(texts)) and "2021-03-14" not in first
    assert done.manifest["surrogated_types"] == ["CREDIT_CARD", "DATE_TIME", "PERSON"]
    stored = {e.label for e in VaultEntry.objects.filter(linkage_domain=policy.linkage_domain)}
    assert {"PERSON", "CREDIT_CARD", "DATE_TIME"} <= stored
    # without an id column each record is its own subject: dates move, each by its offset
    for text, original in zip(texts, ("2021-03-14", "2021-04-02"), strict=True):
        moved = re.search(r"\d{4}-\d\d-\d\d", text)
        assert moved and moved.group() != original
        assert abs((date.fromisoformat(moved.group()) - date.fromisoformat(original)).days) <= 180


def test_a_customer_column_keeps_the_interval_between_their_dates(
    admin_user: Any, reviewer: Any, officer: Any, officer2: Any, tmp_path: Path, settings: Any,
) -> None:
    from anonymizer.batches import services as batches

    settings.VEIL_EXPORT_DIR = tmp_path
    csv = (b"ticket,customer,body\nT1,C9,Opened on 2021-03-14.\nT2,C9,Closed on 2021-04-02.\n")
    batch = batches.batch_import(actor=admin_user, data=csv, name="dates", data_class="personal",
                                 purpose="theme_analysis", source_format="csv",
                                 text_columns=["body"], id_column="ticket")
    batches.batch_assign_reviewers(actor=admin_user, batch=batch, reviewers=[reviewer])
    detect(batch, [("high", [(10, 20, "DATE_TIME", 0.9)]), ("high", [(10, 20, "DATE_TIME", 0.9)])])
    Record.objects.filter(batch=batch).update(status="reviewed")
    policy = approved(officer, officer2, {
        "DATE_TIME": {"operator": "surrogate", "params": {"subject_column": "customer"}}})
    texts, _ = exported_texts(admin_user, batch, policy)
    opened, closed = (date.fromisoformat(re.search(r"\d{4}-\d\d-\d\d", t).group()) for t in texts)
    assert (closed - opened).days == 19 and opened != date(2021, 3, 14)


@pytest.mark.parametrize(("operator", "expected"), [
    ("generalize", "[a job]."),
    ("keep", "I am the only nurse at the [LOCATION] clinic."),
])
def test_implied_phrases_meet_the_policy(
    operator: str, expected: str, admin_user: Any, reviewer: Any, officer: Any, officer2: Any,
    tmp_path: Path, settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    batch = make_batch(admin_user, [reviewer], TEXTS[2:])
    detect(batch, [("high", [(0, 39, "QUASI_OCCUPATION", 0.9), (27, 32, "LOCATION", 0.9)])])
    assert DetectedSpan.objects.filter(label="QUASI_OCCUPATION").exists()
    Record.objects.filter(batch=batch).update(status="reviewed")
    policy = approved(officer, officer2, {"QUASI_OCCUPATION": {"operator": operator},
                                          "LOCATION": {"operator": "replace"}})
    texts, _ = exported_texts(admin_user, batch, policy)
    assert texts == [expected]
