from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEvent
from audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; names every edited, removed or reordered event."

    def handle(self, *args: Any, **opts: Any) -> None:
        problems = verify_chain()
        if problems:
            for p in problems:
                self.stderr.write(f"event #{p.seq}: {p.problem}")
            raise CommandError(
                f"The audit trail has been tampered with ({len(problems)} problem(s))."
            )
        self.stdout.write(f"Audit trail intact: {AuditEvent.objects.count()} events verified.")
