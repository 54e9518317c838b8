"""What several management commands share: the user they act as, and reading an input file
into a clear CommandError that quotes none of its content."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TextIO, TypeVar

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError, CommandParser

from anonymizer import roles

T = TypeVar("T")


def add_user_option(parser: CommandParser, what: str, role: str = roles.ADMIN) -> None:
    """`--user NAME`: whom the audit trail records; default the first of `role` (admin_actor)."""
    parser.add_argument(
        "--user", help=f"The {role.replace('_', ' ')} {what} is recorded for (default: the first)."
    )


def add_ruleset_option(parser: CommandParser) -> None:
    """`--ruleset FILE`: a rule-set configuration (JSON, as stored); default built-in v1."""
    parser.add_argument(
        "--ruleset", help="A rule-set configuration (JSON, as stored); default: built-in v1."
    )


def admin_actor(username: str | None, role: str = roles.ADMIN) -> Any:
    """The named user, or else the first of `role` (or superuser) the audit trail records."""
    users = get_user_model().objects
    if username:
        try:
            return users.get(username=username)
        except users.model.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
    actor = (
        users.filter(groups__name=role).order_by("id").first()
        or users.filter(is_superuser=True).order_by("id").first()
    )
    if actor is None:
        raise CommandError(f"No {role.replace('_', ' ')} user exists; create one or pass --user.")
    return actor


def read_input(path: str, parse: Callable[[TextIO], T], *, what: str = "") -> T:
    """Open `path` as UTF-8 and parse it; every failure becomes a CommandError."""
    where = f"{what} {path}".strip()
    try:
        with open(path, encoding="utf-8") as handle:
            return parse(handle)
    except OSError as exc:
        raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise CommandError(f"{where} is not UTF-8 (byte {exc.start}).") from None
    except ValueError as exc:
        raise CommandError(f"{where}: {exc}") from None
