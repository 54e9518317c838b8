"""manage.py ruleset_file export VERSION [--format yaml] | import FILE --user NAME"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from anonymizer.ascode import FileError
from anonymizer.models import RuleSet
from anonymizer.rulesets import services
from anonymizer.rulesets.selectors import RuleSetError


class Command(BaseCommand):
    help = (
        "Rule sets as code. `export VERSION` prints the version as JSON (or --format yaml) "
        "to keep in version control; `import FILE --user NAME` makes a new draft from such a "
        "file, as that privacy officer (another officer activates it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export")
        export.add_argument("version", type=int)
        export.add_argument("--format", choices=["json", "yaml"], default="json")
        imp = sub.add_parser("import")
        imp.add_argument("file")
        imp.add_argument("--user", required=True)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["action"] == "export":
            try:
                ruleset = RuleSet.objects.get(version=opts["version"])
            except RuleSet.DoesNotExist:
                raise CommandError(f"No rule set v{opts['version']}.") from None
            self.stdout.write(services.ruleset_file(ruleset, opts["format"]), ending="")
            return
        try:
            user = get_user_model().objects.get(username=opts["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user {opts['user']!r}.") from None
        try:
            with open(opts["file"], "rb") as handle:
                data = handle.read()
            draft = services.ruleset_import(actor=user, data=data)
        except OSError as exc:
            raise CommandError(f"Cannot read {opts['file']}: {exc.strerror}") from None
        except (FileError, RuleSetError) as exc:
            raise CommandError(str(exc)) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc) or "This user may not import rule sets.") from None
        self.stdout.write(f"Imported as draft v{draft.version}.")
