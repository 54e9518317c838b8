from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from anonymizer.batches import services


class Command(BaseCommand):
    help = "Create an API token for a user. The key is printed once, on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="api")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            user = get_user_model().objects.get(username=opts["username"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named {opts['username']!r}.") from None
        token, key = services.api_token_create(user=user, name=opts["name"])
        self.stdout.write(f"Token {token.prefix}… created for {user.username}. Keep the key safe:")
        self.stdout.write(key)
