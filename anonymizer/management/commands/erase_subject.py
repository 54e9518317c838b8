"""Right to erasure from the command line: `manage.py erase_subject --values-file FILE
--reason REF [--dry-run]` (one string per line; "-" reads standard input, so the strings stay
out of the shell's history). Prints what was (or would be) touched, as counts."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from anonymizer import roles
from anonymizer.erasure.services import ErasureError, subject_erase
from anonymizer.management.common import add_user_option, admin_actor, read_input


class Command(BaseCommand):
    help = "Erase one person's strings from originals, vault, learned lists and export files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--values-file", required=True,
                            help="The person's strings, one per line ('-': standard input).")
        parser.add_argument("--reason", required=True,
                            help="The request's reference, for the audit trail.")
        parser.add_argument("--dry-run", action="store_true",
                            help="Count what would be erased; change nothing.")
        add_user_option(parser, "the erasure", roles.PRIVACY_OFFICER)

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["values_file"]
        if path == "-":
            values = sys.stdin.read().splitlines()
        else:
            values = read_input(path, lambda handle: handle.read().splitlines(),
                                what="the values file")
        actor = admin_actor(options["user"], roles.PRIVACY_OFFICER)
        try:
            report = subject_erase(actor=actor, values=values, reason=options["reason"],
                                   dry_run=options["dry_run"])
        except (ErasureError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps(report.as_dict(), indent=2))
