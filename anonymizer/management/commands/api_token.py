"""`manage.py api_token create USER`, `api_token list`, `api_token revoke ID_OR_PREFIX`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from anonymizer.batches import selectors, services
from anonymizer.management.common import add_user_option, admin_actor
from anonymizer.models import ApiToken


class Command(BaseCommand):
    help = (
        "Create, list or revoke API tokens. `create` prints the key once, alone on the last "
        "line; only its hash is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="A new token for a user.")
        create.add_argument("username")
        create.add_argument("--name", default="api")
        create.add_argument(
            "--scope", action="append", choices=ApiToken.Scope.values,
            help="Repeat for several (default: read and upload).",
        )
        create.add_argument("--days", type=int, help="Valid for (default VEIL_API_TOKEN_DAYS).")
        listing = actions.add_parser("list", help="Tokens, newest first.")
        listing.add_argument("--username", help="Only this user's.")
        revoke = actions.add_parser("revoke", help="Revoke a token by its id or key prefix.")
        revoke.add_argument("token")
        add_user_option(revoke, "the revocation")

    def handle(self, *args: Any, **opts: Any) -> None:
        getattr(self, f"_{opts['action']}")(opts)

    def _create(self, opts: dict[str, Any]) -> None:
        user = _user(opts["username"])
        scopes = opts["scope"] or [ApiToken.Scope.READ, ApiToken.Scope.UPLOAD]
        try:
            token, key = services.api_token_create(
                user=user, name=opts["name"], scopes=scopes, days=opts["days"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Token {token.prefix}… ({token.public_id}) created for {user.username}, scopes "
            f"{', '.join(token.scopes)}, expires {token.expires_at:%Y-%m-%d}. Keep the key safe:"
        )
        self.stdout.write(key)

    def _list(self, opts: dict[str, Any]) -> None:
        tokens = selectors.api_tokens_all()
        if opts["username"]:
            tokens = tokens.filter(user=_user(opts["username"]))
        for t in tokens:
            status = "revoked" if t.revoked_at else "expired" if t.is_expired else "active"
            used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
            expires = f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "never"
            self.stdout.write(
                f"{t.public_id}  {t.prefix}…  {t.user.username}  {t.name!r}  "
                f"{','.join(t.scopes)}  expires {expires}  last used {used}  {status}"
            )

    def _revoke(self, opts: dict[str, Any]) -> None:
        actor = admin_actor(opts["user"])
        wanted = opts["token"].removesuffix("…")
        matches = [t for t in selectors.api_tokens_all() if wanted in (str(t.public_id), t.prefix)]
        if len(matches) != 1:
            found = "No token" if not matches else f"{len(matches)} tokens"
            raise CommandError(f"{found} with the id or prefix {wanted!r}.")
        services.api_token_revoke(actor=actor, token=matches[0])
        self.stdout.write(f"Token {matches[0].prefix}… of {matches[0].user.username} revoked.")


def _user(username: str) -> Any:
    try:
        return get_user_model().objects.get(username=username)
    except get_user_model().DoesNotExist:
        raise CommandError(f"No user named {username!r}.") from None
