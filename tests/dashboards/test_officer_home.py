"""The privacy officer's part of the home page: risk across batches, escalations waiting and
their age, precision per rule-set version from decisions, held-out leak from stored
evaluations, the privacy budget per dataset and the four-eyes lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from anonymizer import permissions
from anonymizer.dashboards import officer as o
from anonymizer.models import DetectedSpan, RuleSet
from review.services import queue_prepare_for_run
from tests.dashboards import builders as b
from tests.review.factories import detect, make_batch

pytestmark = pytest.mark.django_db


def test_tier_and_entity_mix_over_the_current_runs(admin_user: Any, reviewer: Any) -> None:
    one = make_batch(admin_user, [reviewer], ["a", "b", "c", "d", "e"], name="One")
    detect(one, [("high", []), ("high", []), ("low", []), ("low", []), ("low", [])])
    two = make_batch(admin_user, [reviewer], [b.TEXT, b.TEXT], name="Two")
    # An earlier run's tiers and spans no longer count: the batch's current run does.
    detect(two, [("low", [b.JANE]), ("low", [b.JANE])], prepare=False)
    detect(two, [("high", [b.JANE, b.ORDER]), ("medium", [b.JANE, b.LEEDS])])
    batches = permissions.batches_for_user(admin_user)
    tiers = o.tier_chart(batches)
    assert tiers.categories == ["High", "Medium", "Low"]
    assert tiers.series[0].values == [3, 1, 3]
    entities = o.entity_chart(batches)
    assert dict(zip(entities.categories, entities.series[0].values, strict=True)) == {
        "Person": 2, "Order id": 1, "Place": 1,
    }
    assert entities.categories[0] == "Person"


def test_entity_mix_keeps_the_ten_biggest_and_sums_the_rest(
    admin_user: Any, reviewer: Any
) -> None:
    labels = [f"TYPE_{i:02d}" for i in range(13)]
    text = " ".join(f"w{i:02d}" for i in range(13))
    batch = make_batch(admin_user, [reviewer], [text], name="Many")
    detect(batch, [("high", [(4 * i, 4 * i + 3, lab, 0.9) for i, lab in enumerate(labels)])])
    chart = o.entity_chart(permissions.batches_for_user(admin_user))
    assert len(chart.categories) == 11 and chart.categories[-1] == "Other (3 types)"
    assert chart.series[0].values == [1] * 10 + [3]


def test_escalations_waiting_and_their_age(admin_user: Any, reviewer: Any) -> None:
    batch = b.escalations_batch(admin_user, reviewer, 4)
    for _ in range(3):
        b.escalate(reviewer, b.take(reviewer))
    b.age_escalations(batch, [5, 3, 1])
    ages = o.escalation_ages(permissions.batches_for_user(admin_user))
    assert ages.count == 3
    assert abs(ages.oldest - timedelta(hours=5)) < timedelta(minutes=1)
    assert abs(ages.median - timedelta(hours=3)) < timedelta(minutes=1)
    assert ages.oldest_words.startswith("5\xa0hours")


def test_precision_from_decisions_per_ruleset_version(
    admin_user: Any, reviewer: Any, officer: Any
) -> None:
    v1 = b.escalations_batch(admin_user, reviewer, 2, name="Under v1")
    first = b.take(reviewer)  # v1: PERSON accepted, ORDER_ID rejected
    b.accept(reviewer, first, "PERSON")
    b.reject(reviewer, first, "ORDER_ID")
    b.submit(reviewer, first)
    second = b.take(reviewer)  # v1: both accepted (accept-all on submit)
    b.submit(reviewer, second)
    draft = b.evaluated_draft(officer, leak=0.05, baseline_leak=0.08)
    v2 = make_batch(admin_user, [reviewer], [b.TEXT], name="Under v2")
    run = detect(v2, [("high", [b.JANE, b.ORDER, b.LEEDS])], prepare=False)
    DetectedSpan.objects.filter(run=run).update(ruleset_version=draft.version)
    queue_prepare_for_run(run_id=run.pk)
    third = b.take(reviewer)  # v2: LEEDS rejected, the rest still undecided
    b.reject(reviewer, third, "LOCATION")
    precision = o.precision_by_version(permissions.batches_for_user(officer))
    assert precision == {1: (3, 1), draft.version: (0, 1)}
    assert v1.review_items.filter(state="done").count() == 2
    curve = o.learning_curve(precision, o.leak_by_version())
    assert curve.categories == ["v1", f"v{draft.version}"]
    leak, prec = curve.series
    assert leak.values == [8.0, 5.0]
    assert prec.values == [75.0, 0.0]


def test_held_out_leak_per_version_and_model_over_time(officer: Any, make_user: Any) -> None:
    second = make_user("sam_second", "privacy_officer")
    v2 = b.evaluated_draft(officer, leak=0.06, baseline_leak=0.08)
    v3 = b.evaluated_draft(second, leak=0.04, baseline_leak=0.08)
    b.rulesets.evaluation_store(  # v2 again after a change: the latest evaluation counts
        actor=officer, draft=v2, baseline=RuleSet.objects.get(version=1),
        report=b.report(0.05, 0.07), found=["PERSON"], held=15, train=45,
    )
    rows = o.evaluations()
    assert [(r.version, r.baseline, r.leak, r.baseline_leak) for r in rows] == [
        (v2.version, 1, 6.0, 8.0), (v3.version, 1, 4.0, 8.0), (v2.version, 1, 5.0, 7.0),
    ]
    assert rows[-1].regressions == ["PERSON"] and rows[-1].model == "base model"
    assert rows[-1].held_out == 15 and rows[-1].recall == 80.0
    assert o.leak_by_version() == {1: 7.0, v2.version: 5.0, v3.version: 4.0}


def test_privacy_budget_left_per_dataset(admin_user: Any, reviewer: Any) -> None:
    spent = make_batch(admin_user, [reviewer], ["a"], name="Survey")
    other = make_batch(admin_user, [reviewer], ["b"], name="Churn")
    make_batch(admin_user, [reviewer], ["c"], name="No release")
    b.dp_releases(spent, [1.0, 0.5], total=3.0)
    b.dp_releases(other, [2.0], total=2.0)
    budgets = {x.batch_name: x for x in o.privacy_budgets(permissions.batches_for_user(admin_user))}
    assert set(budgets) == {"Survey", "Churn"}
    assert (budgets["Survey"].releases, budgets["Survey"].spent, budgets["Survey"].left) == (
        2, 1.5, 1.5,
    )
    assert (budgets["Churn"].spent, budgets["Churn"].total, budgets["Churn"].left) == (
        2.0, 2.0, 0.0,
    )


def test_candidates_waiting_for_a_second_officer(officer: Any, make_user: Any) -> None:
    second = make_user("sam_second", "privacy_officer")
    b.pending_policy(officer, "mine")
    theirs = b.pending_policy(second, "theirs")
    b.policies.policy_create(actor=second, name="draft-only")  # a draft waits for no one
    my_draft = b.evaluated_draft(officer, leak=0.05, baseline_leak=0.08)
    their_draft = b.evaluated_draft(second, leak=0.05, baseline_leak=0.08)
    assert [p.pk for p in o.policies_awaiting(officer)] == [theirs.pk]
    assert [(r.pk, gate.passed) for r, gate in o.rulesets_awaiting(officer)] == [
        (their_draft.pk, True)
    ]
    assert [r.pk for r, _ in o.rulesets_awaiting(second)] == [my_draft.pk]
