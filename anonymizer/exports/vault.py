"""The pseudonym vault: token -> original, encrypted with a key kept outside the database."""

from __future__ import annotations

from typing import Any

import psycopg
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from anonymizer import permissions
from anonymizer.exports.keys import key_fingerprint, vault_fernet, vault_keys
from anonymizer.models import VaultEntry
from audit.keys import VAULT_TOKEN, keyed_hash
from audit.services import audit_log

MIN_REASON_CHARS = 15


class VaultError(ValueError):
    """The lookup cannot be done; the message is safe to show."""


def vault_store_many(
    domain: str, entries: dict[str, tuple[str, str]], ciphers: dict[str, bytes] | None = None
) -> None:
    """Store token -> (label, original) pairs not yet in the vault of `domain` (a token
    already there keeps its entry; a concurrent export storing the same tokens is no error).
    On PostgreSQL the tokens go in with COPY: an export stores hundreds of thousands.
    `ciphers`: ciphertexts already made for some tokens (with this vault key)."""
    if not entries:
        return
    if connection.vendor == "postgresql":
        _copy_many(domain, entries, ciphers or {})
    else:
        _bulk_many(domain, entries)


def _bulk_many(domain: str, entries: dict[str, tuple[str, str]]) -> None:
    """vault_store_many through the ORM, CHUNK tokens a query."""
    tokens = list(entries)
    existing: set[str] = set()
    for start in range(0, len(tokens), CHUNK):
        existing.update(
            VaultEntry.objects.filter(
                linkage_domain=domain, token__in=tokens[start : start + CHUNK]
            ).values_list("token", flat=True)
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
            VaultEntry.objects.bulk_create(new, batch_size=CHUNK, ignore_conflicts=True)
    except IntegrityError:  # a concurrent export stored the same tokens first
        pass


CHUNK = 500  # tokens a query on the ORM path (SQLite limits a query's parameters)
_TOKENS, _ROWS = "veil_vault_tokens", "veil_vault_rows"  # temporary tables, this transaction's


def _copy_many(
    domain: str, entries: dict[str, tuple[str, str]], ciphers: dict[str, bytes]
) -> None:
    """The tokens into a temporary table; those the domain lacks encrypted and copied into the
    vault (binary COPY), or, when a concurrent export stored one of them first (the COPY
    fails on the unique constraint), inserted ON CONFLICT DO NOTHING from a temporary table
    (what bulk_create's ignore_conflicts writes: a token stored first keeps its entry)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {_TOKENS} (token text) ON COMMIT DROP")
        with cursor.cursor.copy(f"COPY {_TOKENS} (token) FROM STDIN") as copy:
            for token in entries:
                copy.write_row((token,))
        cursor.execute(
            f"SELECT n.token FROM {_TOKENS} n WHERE NOT EXISTS (SELECT 1 FROM {_table()} v"
            " WHERE v.linkage_domain = %s AND v.token = n.token)",
            [domain],
        )
        new = [token for (token,) in cursor.fetchall()]
        fernet, now = vault_fernet(), timezone.now()
        rows = []
        for token in new:
            label, original = entries[token]
            cipher = ciphers.get(token) or fernet.encrypt(original.encode())
            rows.append((domain, token, label, cipher, now))
        store_rows(cursor, rows)
        cursor.execute(f"DROP TABLE {_TOKENS}")  # vault_store_many may run again


def _table() -> str:
    return VaultEntry._meta.db_table


_COLUMNS = "linkage_domain, token, label, ciphertext, created_at"
_TYPES = ("text", "text", "text", "bytea", "timestamptz")  # of _COLUMNS, for binary COPY


def store_rows(cursor: Any, rows: list[tuple[str, str, str, bytes, Any]]) -> None:
    """Vault rows (of _COLUMNS) the domain lacked a moment ago, in the open transaction:
    copied straight in, or, if one was stored meanwhile, inserted ON CONFLICT DO NOTHING."""
    try:
        with transaction.atomic():  # a savepoint: the COPY fails whole on a duplicate
            _copy_rows(cursor, _table(), rows)
        return
    except psycopg.errors.UniqueViolation:  # a concurrent export stored a token first
        pass
    cursor.execute(
        f"CREATE TEMPORARY TABLE {_ROWS} ON COMMIT DROP AS SELECT {_COLUMNS} FROM {_table()}"
        " WITH NO DATA"
    )
    _copy_rows(cursor, _ROWS, rows)
    cursor.execute(
        f"INSERT INTO {_table()} ({_COLUMNS}) SELECT {_COLUMNS} FROM {_ROWS}"
        " ON CONFLICT DO NOTHING"
    )
    cursor.execute(f"DROP TABLE {_ROWS}")


def _copy_rows(cursor: Any, table: str, rows: list[tuple[str, str, str, bytes, Any]]) -> None:
    with cursor.cursor.copy(f"COPY {table} ({_COLUMNS}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(_TYPES)
        for row in rows:
            copy.write_row(row)


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


# --- Key rotation ---------------------------------------------------------------------------

ROTATE_BATCH = 1000


def vault_rotate(*, batch_size: int = ROTATE_BATCH, check: bool = False) -> dict[str, Any]:
    """Re-encrypt every vault entry under the first key of VEIL_VAULT_KEY (keys.vault_fernet),
    a batch of rows per transaction (rows locked, others skipped and left for a later run), so
    that the keys after it can be dropped. An entry the first key already reads is left as it
    is: the command can be stopped and run again. With `check`, counts only. An entry no key
    reads is counted, never changed. Audited with counts and key fingerprints."""
    multi, keys = vault_fernet(), vault_keys()
    primary = Fernet(keys[0])
    counts = {"entries": 0, "current": 0, "rotated": 0, "unreadable": 0}
    last = 0
    while True:
        with transaction.atomic():
            rows = list(VaultEntry.objects.select_for_update(skip_locked=True)
                        .filter(pk__gt=last).order_by("pk")[:batch_size])
            if not rows:
                break
            changed = []
            for entry in rows:
                counts["entries"] += 1
                token = bytes(entry.ciphertext)
                try:
                    primary.decrypt(token)
                    counts["current"] += 1
                    continue
                except InvalidToken:
                    pass
                try:
                    entry.ciphertext = multi.rotate(token)
                except InvalidToken:
                    counts["unreadable"] += 1
                    continue
                changed.append(entry)
            if changed and not check:
                VaultEntry.objects.bulk_update(changed, ["ciphertext"])
            counts["rotated"] += len(changed)
            last = rows[-1].pk
    result = {**counts, "check": check, "key": key_fingerprint(keys[0]),
              "other_keys": [key_fingerprint(k) for k in keys[1:]]}
    if not check:
        audit_log(actor=None, action="vault.key_rotated", payload=result)
    return result
