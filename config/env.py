"""Strict helpers that read settings from the environment.

Each helper raises ImproperlyConfigured on a value it cannot parse, so a typo in a
deployment fails at start-up instead of silently falling back to a default.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"Set the environment variable {name}.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}.")
    return value


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str | None = None) -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE cannot be read: {exc.strerror}.") from None
    return env_str(name, default)


def env_json_object(name: str) -> dict[str, object]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise ImproperlyConfigured(f"{name} must be a JSON object.") from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object.")
    return value


# --- Checks on the settings as a whole ---------------------------------------------------

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
# Secrets that are public: the development default, Django's generated placeholder prefix,
# and what the docs and test commands use.
KNOWN_DEV_SECRETS = frozenset({"insecure-dev-only-key-set-SECRET_KEY-in-production", "t", "x"})
INSECURE_PREFIXES = ("django-insecure-", "insecure-")
SECRET_MIN_LENGTH, SECRET_MIN_DISTINCT = 50, 5  # what `check --deploy` (security.W009) asks


def only_loopback(hosts: list[str]) -> bool:
    """ALLOWED_HOSTS serves this machine only (an empty list serves nothing)."""
    return all(host in LOOPBACK_HOSTS or host.endswith(".localhost") for host in hosts)


def refuse_weak_secret(name: str, secret: str) -> None:
    """Raise unless `secret` is fit for a site others can reach: not a known development or
    test value, at least 50 characters, at least 5 different ones. The message never quotes
    the secret."""
    if secret in KNOWN_DEV_SECRETS or secret.startswith(INSECURE_PREFIXES):
        problem = "is a known development or test value"
    elif len(secret) < SECRET_MIN_LENGTH or len(set(secret)) < SECRET_MIN_DISTINCT:
        problem = (
            f"is too short (fewer than {SECRET_MIN_LENGTH} characters, or fewer than "
            f"{SECRET_MIN_DISTINCT} different ones)"
        )
    else:
        return
    raise ImproperlyConfigured(
        f"{name} {problem}, and DEBUG is off with ALLOWED_HOSTS beyond loopback. Set {name} "
        f"(or {name}_FILE) to a random value, e.g. python3 -c 'import secrets; "
        "print(secrets.token_urlsafe(50))'."
    )


def refuse_keys_beside(database_file: Path | None, **places: Path | None) -> None:
    """Raise if a key file or key directory lies in the directory of the SQLite database file
    (or below it): a copy or backup of the database would carry the keys with it."""
    if database_file is None:
        return
    home = database_file.resolve().parent
    for setting, place in places.items():
        if place is not None and place.resolve().is_relative_to(home):
            raise ImproperlyConfigured(
                f"{setting} ({place}) is in the database file's directory ({home}): keep keys "
                "apart from the database, e.g. in ~/.config/veil/keys (the default)."
            )
