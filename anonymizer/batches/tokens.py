"""The API tokens page: every user lists, creates and revokes their own tokens; a user who
may manage tokens (admins) sees and revokes everyone's. A new key is shown once, never again."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from anonymizer import permissions
from anonymizer.batches import selectors, services
from anonymizer.batches.forms import ApiTokenForm


@never_cache
@require_http_methods(["GET", "POST"])
def api_token_list(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        _, new_key = services.api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            days=form.cleaned_data["days"],
        )
        form = ApiTokenForm()
    may_manage = permissions.may(request.user, permissions.MANAGE_API_TOKENS)
    context = {
        "form": form,
        "new_key": new_key,
        "tokens": selectors.api_tokens_of(request.user),
        "all_tokens": selectors.api_tokens_all().exclude(user_id=request.user.pk)
        if may_manage
        else None,
    }
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, "anonymizer/api_tokens.html", context, status=status)


@require_POST
def api_token_revoke(request: HttpRequest, public_id: UUID) -> HttpResponse:
    token = permissions.api_token_for_user(request.user, public_id)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(request, f"Token {token.prefix}… revoked.")
    return redirect("api_tokens")
