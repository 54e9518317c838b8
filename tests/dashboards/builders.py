"""Data for the home-page tests, made through the services (the review actions, rule-set
drafts and evaluations, policies) where they exist; detection output through
tests.review.factories (no engine)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from anonymizer.models import PrivacyBudgetEntry, RuleSet
from anonymizer.policies import services as policies
from anonymizer.rulesets import services as rulesets
from review import services
from review.models import ReviewItem, ReviewSpan
from tests.review.factories import detect, make_batch

TEXT = "Jane Roe wrote about order ORD-123456 from Leeds."
JANE = (0, 8, "PERSON", 0.6)
ORDER = (27, 37, "ORDER_ID", 0.9)
LEEDS = (43, 48, "LOCATION", 0.7)


def escalations_batch(admin: Any, reviewer: Any, n: int, name: str = "Escalations") -> Any:
    """A batch of `n` high-tier records, each with a person's name and an order id."""
    batch = make_batch(admin, [reviewer], [TEXT] * n, name=name)
    detect(batch, [("high", [JANE, ORDER])] * n)
    return batch


def take(reviewer: Any) -> ReviewItem:
    item = services.queue_next(reviewer=reviewer)
    assert item is not None, "the queue must have a record"
    return item


def span(item: ReviewItem, label: str) -> ReviewSpan:
    return ReviewSpan.objects.get(item=item, label=label)


def accept(actor: Any, item: ReviewItem, label: str) -> ReviewItem:
    item.refresh_from_db()
    return services.span_accept(
        actor=actor, item=item, version=item.version, span_id=span(item, label).pk
    )


def reject(actor: Any, item: ReviewItem, label: str) -> ReviewItem:
    item.refresh_from_db()
    return services.span_reject(
        actor=actor, item=item, version=item.version, span_id=span(item, label).pk
    )


def escalate(reviewer: Any, item: ReviewItem) -> ReviewItem:
    item.refresh_from_db()
    return services.item_escalate(
        actor=reviewer, item=item, version=item.version, note="Is this a name?"
    )


def officer_take(officer: Any, item: ReviewItem) -> ReviewItem:
    item.refresh_from_db()
    return services.escalation_take(officer=officer, item=item)


def resolve(officer: Any, item: ReviewItem) -> ReviewItem:
    item.refresh_from_db()
    item = services.spans_accept_all(actor=officer, item=item, version=item.version)
    return services.escalation_resolve(actor=officer, item=item, version=item.version, note="")


def officer_return(officer: Any, item: ReviewItem) -> ReviewItem:
    item.refresh_from_db()
    return services.escalation_return(
        actor=officer, item=item, version=item.version, note="Look again."
    )


def submit(reviewer: Any, item: ReviewItem) -> ReviewItem:
    item.refresh_from_db()
    item = services.spans_accept_all(actor=reviewer, item=item, version=item.version)
    return services.item_submit(actor=reviewer, item=item, version=item.version)


def report(leak: float, baseline_leak: float, precision: float = 0.9, recall: float = 0.8) -> Any:
    def one(rate: float) -> dict[str, Any]:
        return {
            "docs": 10, "leak_rate": rate, "char_precision": 0.9, "precision": precision,
            "recall": recall, "f2": 0.8, "per_entity": {},
        }

    return {"candidate": one(leak), "baseline": one(baseline_leak)}


def evaluated_draft(author: Any, leak: float, baseline_leak: float) -> RuleSet:
    """A draft rule set by `author` with a stored held-out evaluation against the active one."""
    active = RuleSet.objects.get(status=RuleSet.Status.ACTIVE)
    draft = rulesets.ruleset_create_draft(actor=author, based_on=active)
    rulesets.evaluation_store(
        actor=author, draft=draft, baseline=active, report=report(leak, baseline_leak),
        found=[], held=12, train=40,
    )
    return draft


def pending_policy(author: Any, name: str) -> Any:
    policy = policies.policy_create(actor=author, name=name)
    return policies.policy_submit(actor=author, policy=policy)


def dp_releases(batch: Any, epsilons: list[float], total: float) -> None:
    """Entries in the DP ledger as the export's DP release writes them (one per release)."""
    for epsilon in epsilons:
        PrivacyBudgetEntry.objects.create(batch=batch, epsilon=epsilon, total_budget=total)


def age_escalations(batch: Any, hours: list[int]) -> None:
    """Set when each escalated item of the batch was escalated, oldest first."""
    now = timezone.now()
    items = list(ReviewItem.objects.filter(batch=batch, state="escalated").order_by("id"))
    assert len(items) == len(hours)
    for item, h in zip(items, hours, strict=True):
        ReviewItem.objects.filter(pk=item.pk).update(escalated_at=now - timedelta(hours=h))
