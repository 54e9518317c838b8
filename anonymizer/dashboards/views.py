"""The home page: one section per role the user holds, each decided by the permission the
role grants (anonymizer.permissions), never by the role's name. A reviewer sees their queue,
throughput and agreement with officers; a privacy officer the risk overview; an admin the
batches, exports and workers. Login is required by config.middleware, as for every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from anonymizer import permissions
from anonymizer.charts import percent
from anonymizer.dashboards import officer, selectors


def reviewer_section(user: Any) -> dict[str, Any]:
    queue = selectors.reviewer_queue(user)
    throughput = selectors.reviewer_throughput(user)
    return {
        "queue": queue,
        "waiting": sum(r.waiting for r in queue),
        "queue_chart": selectors.queue_chart(queue),
        "throughput": throughput,
        "throughput_chart": selectors.throughput_chart(throughput),
        "agreement": selectors.reviewer_agreement(user),
    }


def officer_section(user: Any) -> dict[str, Any]:
    batches = permissions.batches_for_user(user)
    precision = officer.precision_by_version(batches)
    policies, rulesets = officer.policies_awaiting(user), officer.rulesets_awaiting(user)
    return {
        "tier_chart": officer.tier_chart(batches),
        "entity_chart": officer.entity_chart(batches),
        "escalations": officer.escalation_ages(batches),
        "precision": [
            (version, accepted, rejected, percent(accepted, accepted + rejected))
            for version, (accepted, rejected) in sorted(precision.items())
        ],
        "learning_chart": officer.learning_curve(precision, officer.leak_by_version()),
        "evaluations": officer.evaluations(),
        "budgets": officer.privacy_budgets(batches),
        "policies_awaiting": policies,
        "rulesets_awaiting": rulesets,
        "awaiting": len(policies) + len(rulesets),
    }


def admin_section(user: Any) -> dict[str, Any]:
    return {
        "batches": selectors.admin_batches(user),
        "stages": selectors.stage_counts(user),
        "exports": selectors.recent_exports(user),
        "workers": selectors.admin_workers(),
    }


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {"now": timezone.now()}
    if permissions.may(user, permissions.USE_REVIEW):
        context["reviewer"] = reviewer_section(user)
    if permissions.is_officer(user):
        context["officer"] = officer_section(user)
    if permissions.may(user, permissions.CHANGE):
        context["admin"] = admin_section(user)
    return render(request, "dashboards/home.html", context)
