from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from anonymizer import words


def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


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
