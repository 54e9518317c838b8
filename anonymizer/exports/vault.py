"""The pseudonym vault: token -> original, encrypted with a key kept outside the database."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from anonymizer import permissions
from anonymizer.exports.keys import vault_fernet
from anonymizer.models import VaultEntry
from audit.keys import VAULT_TOKEN, keyed_hash
from audit.services import audit_log

MIN_REASON_CHARS = 15


class VaultError(ValueError):
    """The lookup cannot be done; the message is safe to show."""


def vault_store_many(domain: str, entries: dict[str, tuple[str, str]]) -> None:
    """Store token -> (label, original) pairs not yet in the vault of `domain`."""
    if not entries:
        return
    existing = set(
        VaultEntry.objects.filter(linkage_domain=domain, token__in=list(entries)).values_list(
            "token", flat=True
        )
    )
    fernet = vault_fernet()
    new = [
        VaultEntry(
            linkage_domain=domain,
            token=token,
            label=label,
            ciphertext=fernet.encrypt(original.encode()),
        )
        for token, (label, original) in entries.items()
        if token not in existing
    ]
    try:
        with transaction.atomic():
            VaultEntry.objects.bulk_create(new, ignore_conflicts=True)
    except IntegrityError:  # a concurrent export stored the same tokens first
        pass


def vault_lookup(*, actor: Any, domain: str, token: str, reason: str) -> str:
    """Re-identify one token. Privacy officers only; the reason is mandatory and audited."""
    if not permissions.may(actor, permissions.LOOKUP_VAULT):
        raise PermissionDenied("Only privacy officers may look up pseudonyms.")
    reason = reason.strip()
    if len(reason) < MIN_REASON_CHARS:
        raise VaultError(f"Give a reason of at least {MIN_REASON_CHARS} characters.")
    token = token.strip()
    entry = VaultEntry.objects.filter(linkage_domain=domain, token=token).first()
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="vault.lookup",
            target=entry,
            payload={
                "domain": domain,
                # A keyed hash of what was typed: an officer may paste an original by mistake.
                "token_hmac": keyed_hash(VAULT_TOKEN, token),
                "found": entry is not None,
                "reason": reason,
            },
        )
    if entry is None:
        raise VaultError("No such token in this linkage domain.")
    return vault_fernet().decrypt(bytes(entry.ciphertext)).decode()
