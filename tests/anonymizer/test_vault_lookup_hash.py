"""A vault lookup is audited with a keyed hash of the token typed, never the text: officers
paste the wrong thing into that box (an original name, an e-mail address)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from anonymizer.exports import vault
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db
REASON = "Data subject access request 4411"


def look_up(client: Client, token: str) -> Any:
    return client.post(
        "/vault/lookup/", {"linkage_domain": "support", "token": token, "reason": REASON}
    )


def lookups() -> list[dict[str, Any]]:
    return [e.payload for e in AuditEvent.objects.filter(action="vault.lookup").order_by("seq")]


def test_the_trail_holds_a_keyed_hash_of_the_token_typed(officer: Any, settings: Any) -> None:
    vault.vault_store_many("support", {"CUSTOMER_NAME_7Q2X": ("PERSON", "Zebulon Quackenbush")})
    client = Client()
    client.force_login(officer)
    assert b"Zebulon Quackenbush" in look_up(client, "CUSTOMER_NAME_7Q2X").content
    mistake = "zebulon.q@example.org"  # an original pasted instead of a token
    assert b"No such token" in look_up(client, f"  {mistake} ").content
    assert b"Zebulon" in look_up(client, "CUSTOMER_NAME_7Q2X").content
    settings.VEIL_AUDIT_KEY = "another key"
    look_up(client, "CUSTOMER_NAME_7Q2X")
    found, missed, again, other_key = lookups()
    for payload in (found, missed):
        assert "token" not in payload and len(payload["token_hmac"]) == 64
        assert payload["reason"] == REASON and payload["domain"] == "support"
    assert "CUSTOMER_NAME_7Q2X" not in str(found) and mistake not in str(missed)
    assert (found["found"], missed["found"]) == (True, False)
    assert again["token_hmac"] == found["token_hmac"]  # the same token is recognisable
    assert missed["token_hmac"] != found["token_hmac"]
    assert other_key["token_hmac"] != found["token_hmac"]  # keyed, not a plain hash
