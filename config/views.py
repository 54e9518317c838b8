from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_safe
from prometheus_client import CONTENT_TYPE_LATEST

from anonymizer import words
from config import health, metrics


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """config.health's checks: 200 when all pass, 503 when one fails. Public (load balancers
    call it); only a caller config.metrics trusts sees the detail. `?scope=web` asks only what
    one web process needs (database, migrations, Redis), not the rq workers and queues."""
    scope = request.GET.get("scope", "all")
    if scope not in health.SCOPES:
        return JsonResponse({"error": f"scope is one of {', '.join(health.SCOPES)}"}, status=400)
    ok, report = health.health_report(scope, detailed=metrics.may_read_metrics(request))
    return JsonResponse(report, status=200 if ok else 503)


@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text, for a bearer token (VEIL_METRICS_TOKEN) or a direct loopback caller."""
    if not metrics.may_read_metrics(request):
        return HttpResponse("metrics need a bearer token\n", status=403, content_type="text/plain")
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    """What tiers, triggers, operators and roles mean, in the words pages use (anonymizer.words).
    Login is required by config.middleware, as for every page."""
    return render(request, "help.html", {
        "tiers": _explained(words.TIERS, words.TIERS_WHY),
        "triggers": _explained(words.TRIGGERS, words.TRIGGERS_WHY),
        "operators": _explained(words.OPERATORS, words.OPERATORS_WHY),
        "roles": _explained(words.ROLES, words.ROLES_WHY),
    })


def _explained(names: dict[str, str], why: dict[str, str]) -> list[tuple[str, str, str]]:
    """(code, name, sentence) for each code in `names`."""
    return [(code, name, why[code]) for code, name in names.items()]
