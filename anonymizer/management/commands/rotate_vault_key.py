"""`manage.py rotate_vault_key [--check]`: re-encrypt the pseudonym vault under the first key
of VEIL_VAULT_KEY ("NEW,OLD" while rotating), so that the old key can be dropped."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from anonymizer.exports.vault import ROTATE_BATCH, vault_rotate


class Command(BaseCommand):
    help = (
        "Rotate the vault key: with VEIL_VAULT_KEY set to 'NEW,OLD', re-encrypt every vault "
        "entry under NEW (a batch of rows per transaction; entries NEW already reads are left "
        "as they are, so the command can be run again). Then set VEIL_VAULT_KEY to NEW alone. "
        "--check counts what is left to rotate and changes nothing. Prints counts as JSON; "
        "exits 1 when an entry no key reads is found, or with --check when any entry is left."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true",
                            help="Count entries not yet under the first key; change nothing.")
        parser.add_argument("--batch-size", type=int, default=ROTATE_BATCH)

    def handle(self, *args: Any, **opts: Any) -> None:
        result = vault_rotate(batch_size=max(1, opts["batch_size"]), check=opts["check"])
        self.stdout.write(json.dumps(result, sort_keys=True))
        if result["unreadable"] or (opts["check"] and result["rotated"]):
            raise SystemExit(1)
