"""Keys of the audit trail, never stored in the database: one HMAC key per purpose, derived
from VEIL_AUDIT_KEY (or the file VEIL_AUDIT_KEY_FILE names) or else from SECRET_KEY; former
keys (VEIL_AUDIT_KEY_FALLBACKS, or SECRET_KEY_FALLBACKS) still verify old checkpoints.

The same derivation as `linkage_key` in anonymizer/exports/keys.py, written here because
audit imports no other app.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings

ANCHOR = "anchor"  # the checkpoints of the chain's head (audit/anchor.py)
LOGIN_USERNAME = "login-username"  # the username typed at a failed log-in
VAULT_TOKEN = "vault-token"  # the token typed at a vault lookup


def audit_key(purpose: str, master: str | None = None) -> bytes:
    master = master or getattr(settings, "VEIL_AUDIT_KEY", "") or settings.SECRET_KEY
    return hmac.new(master.encode(), f"veil-audit:{purpose}".encode(), hashlib.sha256).digest()


def audit_keys(purpose: str) -> list[bytes]:
    """The key of `purpose`, then those derived from former masters that still verify what
    they signed (checkpoints): VEIL_AUDIT_KEY_FALLBACKS, or, when the key derives from
    SECRET_KEY, SECRET_KEY_FALLBACKS. New things are signed with the first only."""
    if getattr(settings, "VEIL_AUDIT_KEY", ""):
        former = list(getattr(settings, "VEIL_AUDIT_KEY_FALLBACKS", []))
    else:
        former = list(getattr(settings, "SECRET_KEY_FALLBACKS", []))
    return [audit_key(purpose), *(audit_key(purpose, m) for m in former if m)]


def keyed_hash(purpose: str, value: str) -> str:
    """What the trail keeps of text a person typed: equal inputs match, guesses cannot be
    checked without the key."""
    return hmac.new(audit_key(purpose), value.encode(), hashlib.sha256).hexdigest()
