from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from anonymizer.exports import services as exports
from anonymizer.exports.selectors import ExportError, export_dir
from anonymizer.management.common import add_user_option, admin_actor
from anonymizer.models import Policy, SourceBatch


class Command(BaseCommand):
    help = (
        "Export a batch's reviewed and auto-cleared records under an approved policy: JSONL, CSV "
        "and manifest into the export store, copied to --output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("batch_id")
        parser.add_argument(
            "--policy", required=True, help="Policy name (latest approved version)."
        )
        parser.add_argument("--policy-version", type=int, help="A specific approved version.")
        parser.add_argument("--output", required=True, help="Directory to copy the files to.")
        add_user_option(parser, "the export")

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            batch = SourceBatch.objects.get(public_id=uuid.UUID(opts["batch_id"]))
        except (SourceBatch.DoesNotExist, ValueError):
            raise CommandError(f"No batch with id {opts['batch_id']!r}.") from None
        policies = Policy.objects.filter(name=opts["policy"], status=Policy.Status.APPROVED)
        if opts["policy_version"]:
            policies = policies.filter(version=opts["policy_version"])
        policy = policies.order_by("-version").first()
        if policy is None:
            raise CommandError(f"No approved policy named {opts['policy']!r}.")
        actor = admin_actor(opts["user"])
        try:
            export = exports.export_start(actor=actor, batch=batch, policy=policy, enqueue=False)
        except (ExportError, PermissionDenied) as exc:
            raise CommandError(str(exc)) from None
        with tqdm(
            total=batch.record_count, unit="rec", desc="Exporting", file=self.stderr._out
        ) as bar:
            try:
                export = exports.run_export(export.pk, progress=bar.update)
            except ExportError as exc:  # refused whole (k target, budget, residual scan)
                raise CommandError(str(exc)) from None
        output = Path(opts["output"])
        output.mkdir(parents=True, exist_ok=True)
        for name in export.file_names():
            shutil.copyfile(export_dir(export) / name, output / name)
        records = export.manifest["records"]
        self.stdout.write(
            f"Exported {records['exported']} of {records['in_batch']} records under {policy} "
            f"to {output} (left out: {records['left_out'] or 'none'})."
        )
        self.stdout.write(str(export.public_id))
