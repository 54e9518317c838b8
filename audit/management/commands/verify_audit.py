from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.services import Verification, audit_checkpoint, audit_verify


class Command(BaseCommand):
    help = (
        "Verify the audit trail: recompute its hash chain (names every edited, removed or "
        "reordered event) and compare it with the checkpoints kept outside the database (names "
        "a cut tail, a rewritten chain, an emptied table, a tampered checkpoint file)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--checkpoint",
            action="store_true",
            help="If the trail is intact, append a checkpoint of its head (run it on a schedule).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        result, written = audit_checkpoint() if opts["checkpoint"] else (audit_verify(), None)
        if not result.intact:
            self._fail(result, checkpointing=opts["checkpoint"])
        self.stdout.write(
            f"Audit trail intact: {result.events} events verified, "
            f"against {result.checkpoints} checkpoint(s)."
        )
        if written is not None:
            self.stdout.write(f"Checkpoint written: event #{written.seq} ({written.count} events).")

    def _fail(self, result: Verification, *, checkpointing: bool) -> None:
        for p in result.chain:
            self.stderr.write(f"event #{p.seq}: {p.problem}")
        for f in result.anchor:
            self.stderr.write(f"{f.kind}: {f.detail}")
        problems = len(result.chain) + len(result.anchor)
        refused = "; no checkpoint written" if checkpointing else ""
        raise CommandError(
            f"The audit trail has been tampered with ({problems} problem(s)){refused}."
        )
