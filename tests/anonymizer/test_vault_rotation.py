"""Rotating the vault key: with VEIL_VAULT_KEY "NEW,OLD" every entry stays readable, the
command re-encrypts them under NEW (batch by batch, resumable), and NEW alone then reads them
all; entries no key reads are counted, never touched; the rotation is audited by key
fingerprints, never by key."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command

from anonymizer.exports import vault
from anonymizer.exports.keys import vault_fernet
from anonymizer.models import VaultEntry
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db

OLD, NEW, STRAY = Fernet.generate_key(), Fernet.generate_key(), Fernet.generate_key()
ENTRIES = {f"CUSTOMER_NAME_{i:03d}": ("PERSON", f"Customer number {i}") for i in range(7)}


@pytest.fixture
def keys(settings: Any) -> Iterator[Any]:
    def use(value: bytes | str) -> None:
        settings.VEIL_VAULT_KEY = value.decode() if isinstance(value, bytes) else value
        vault_fernet.cache_clear()

    yield use
    vault_fernet.cache_clear()  # the next test gets its own key again


def rotate(*args: str) -> tuple[int, dict[str, Any]]:
    out = io.StringIO()
    try:
        call_command("rotate_vault_key", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def look(officer: Any, token: str) -> str:
    return vault.vault_lookup(actor=officer, domain="crm", token=token,
                              reason="Subject access request 42")


def test_a_key_is_rotated_and_the_old_one_dropped(keys: Any, officer: Any) -> None:
    keys(OLD)
    vault.vault_store_many("crm", ENTRIES)
    keys(f"{NEW.decode()},{OLD.decode()}")  # during the rotation both read
    assert look(officer, "CUSTOMER_NAME_003") == "Customer number 3"
    code, before = rotate("--check")
    assert code == 1 and before["rotated"] == 7 and before["current"] == 0
    assert all(Fernet(OLD).decrypt(bytes(e.ciphertext)) for e in VaultEntry.objects.all())
    code, done = rotate("--batch-size", "3")
    assert code == 0 and (done["entries"], done["rotated"], done["unreadable"]) == (7, 7, 0)
    event = AuditEvent.objects.get(action="vault.key_rotated")
    assert event.payload["key"] == done["key"] and len(event.payload["other_keys"]) == 1
    assert OLD.decode() not in json.dumps(event.payload) and NEW.decode() not in json.dumps(
        event.payload)
    keys(NEW)  # the old key dropped
    assert look(officer, "CUSTOMER_NAME_006") == "Customer number 6"
    for entry in VaultEntry.objects.all():
        with pytest.raises(InvalidToken):
            Fernet(OLD).decrypt(bytes(entry.ciphertext))
    code, again = rotate()
    assert code == 0 and (again["rotated"], again["current"]) == (0, 7)


def test_an_entry_no_key_reads_is_counted_and_left(keys: Any) -> None:
    keys(STRAY)
    vault.vault_store_many("crm", {"CUSTOMER_NAME_999": ("PERSON", "Lost key")})
    stray = bytes(VaultEntry.objects.get().ciphertext)
    keys(f"{NEW.decode()},{OLD.decode()}")
    vault.vault_store_many("crm", ENTRIES)
    code, result = rotate()
    assert code == 1 and result["unreadable"] == 1 and result["current"] == 7
    assert bytes(VaultEntry.objects.get(token="CUSTOMER_NAME_999").ciphertext) == stray


def test_a_bad_key_in_the_list_is_refused(keys: Any) -> None:
    from django.core.exceptions import ImproperlyConfigured

    keys(f"{NEW.decode()},not-a-key")
    with pytest.raises(ImproperlyConfigured, match="comma-separated"):
        vault_fernet()
