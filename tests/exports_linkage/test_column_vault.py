"""A structured column under a keyed pseudonym or surrogate is looked up like the text's: its
tokens go to the vault of the policy's linkage domain, so an officer can answer a subject's
request about a released row; a column kept or masked leaves nothing there."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from anonymizer.batches import services
from anonymizer.exports import services as export
from anonymizer.exports import vault
from anonymizer.exports.selectors import export_dir
from anonymizer.models import Record, VaultEntry
from anonymizer.policies import services as policies

pytestmark = pytest.mark.django_db

CSV = (b"ticket_id,body,email,plan\n"
       b"T1,The app crashes.,ann.lee@example.net,gold\n"
       b"T2,Please add a dark mode.,raj.patel@example.org,basic\n")


def test_pseudonymized_columns_are_looked_up_from_the_vault(
    admin_user: Any, officer: Any, make_user: Any, tmp_path: Path, settings: Any,
) -> None:
    settings.VEIL_EXPORT_DIR = tmp_path
    batch = services.batch_import(actor=admin_user, data=CSV, name="columns", source_format="csv",
                                  data_class="personal", purpose="theme_analysis",
                                  text_columns=["body"], id_column="ticket_id")
    Record.objects.filter(batch=batch).update(status="reviewed")
    policy = policies.policy_create(
        actor=officer, name="columns", linkage_domain="crm",
        rules={"rules": {}, "default": {"operator": "redact"}},
        column_rules={"email": {"operator": "pseudonymize",
                                "params": {"entity_type": "EMAIL_ADDRESS"}},
                      "plan": {"operator": "mask"}},
    )
    policies.policy_submit(actor=officer, policy=policy)
    policy = policies.policy_approve(actor=make_user("olga", "privacy_officer"), policy=policy)
    done = export.run_export(export.export_start(actor=admin_user, batch=batch, policy=policy,
                                                 enqueue=False).pk)
    rows = [json.loads(line) for line in
            (export_dir(done) / "records.jsonl").read_text().splitlines()]
    tokens = [row["fields"]["email"] for row in rows]
    assert all("@" not in t for t in tokens) and len(set(tokens)) == 2
    found = {vault.vault_lookup(actor=officer, domain="crm", token=t, reason="Subject request 7")
             for t in tokens}
    assert found == {"ann.lee@example.net", "raj.patel@example.org"}
    masked = {row["fields"]["plan"] for row in rows}
    stored = set(VaultEntry.objects.filter(linkage_domain="crm").values_list("token", flat=True))
    assert not masked & stored  # a mask is no keyed token: nothing to look up
