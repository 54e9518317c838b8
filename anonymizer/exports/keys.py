"""Secrets for the vault and for pseudonyms. They come from the environment (or a key file);
in development mode missing keys are generated into VEIL_KEY_DIR with owner-only permissions.
They are never stored in the database."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def _dev_key(name: str, make: bytes) -> str:
    directory = Path(settings.VEIL_KEY_DIR)
    path = directory / name
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(make)
    return path.read_text().strip()


def _secret(setting: str, file_name: str, make: bytes) -> str:
    value: str = getattr(settings, setting)
    if value:
        return value
    if settings.VEIL_DEV_KEYS:
        return _dev_key(file_name, make)
    raise ImproperlyConfigured(f"Set {setting} (or {setting}_FILE).")


@lru_cache(maxsize=1)
def vault_fernet() -> MultiFernet:
    """The vault's keys: VEIL_VAULT_KEY holds one Fernet key, or several separated by commas
    (or new lines, in a key file) while a key is rotated: the first encrypts, each of them
    decrypts (`manage.py rotate_vault_key` re-encrypts the entries under the first)."""
    return MultiFernet([Fernet(key) for key in vault_keys()])


def vault_keys() -> list[bytes]:
    value = _secret("VEIL_VAULT_KEY", "vault.key", Fernet.generate_key())
    keys = [k.encode() for k in re.split(r"[\s,]+", value) if k]
    try:
        for key in keys:
            Fernet(key)
    except ValueError:
        raise ImproperlyConfigured(
            "VEIL_VAULT_KEY must be Fernet keys (32 url-safe bytes each), comma-separated."
        ) from None
    if not keys:
        raise ImproperlyConfigured("Set VEIL_VAULT_KEY (or VEIL_VAULT_KEY_FILE).")
    return keys


def key_fingerprint(key: bytes) -> str:
    """A key's public name for the audit trail and the command's output: not the key."""
    return hashlib.sha256(b"veil-vault-key:" + key).hexdigest()[:16]


@lru_cache(maxsize=64)
def linkage_key(domain: str) -> bytes:
    """The HMAC key of one linkage domain, derived from the master secret."""
    return hmac.new(
        _master().encode(), f"veil-linkage-domain:{domain}".encode(), hashlib.sha256
    ).digest()


@lru_cache(maxsize=1)
def learned_list_key() -> bytes:
    """The key of the rule sets' learned lists (engine.learned), derived from the master
    secret under its own label, apart from every linkage domain's key."""
    return hmac.new(_master().encode(), b"veil-learned-lists", hashlib.sha256).digest()


def _master() -> str:
    return _secret(
        "VEIL_PSEUDONYM_SECRET", "pseudonym.key", base64.urlsafe_b64encode(os.urandom(32))
    )
