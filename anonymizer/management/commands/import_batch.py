from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from anonymizer.batches import services
from anonymizer.batches.ingest import IngestError, guess_format
from anonymizer.management.common import add_user_option, admin_actor
from anonymizer.models import DataClass, Purpose, SourceFormat


class Command(BaseCommand):
    help = (
        "Import a CSV, JSONL or plain-text file as a new batch. All or nothing. "
        "The new batch's id is printed alone on the last line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")
        parser.add_argument("--name", required=True)
        parser.add_argument("--data-class", required=True, choices=DataClass.values)
        parser.add_argument("--purpose", required=True, choices=Purpose.values)
        parser.add_argument(
            "--format", choices=SourceFormat.values, help="Default: from the file name."
        )
        parser.add_argument(
            "--text-column", action="append", default=[], help="Repeat for several."
        )
        parser.add_argument("--id-column", default="")
        add_user_option(parser, "the upload")
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--no-detect", action="store_true", help="Do not queue detection after the import."
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["path"])
        actor = admin_actor(opts["user"])
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        if size > settings.VEIL_MAX_UPLOAD_BYTES:
            raise CommandError(
                f"The file is {size:,} bytes; "
                f"the limit is {settings.VEIL_MAX_UPLOAD_BYTES:,} bytes."
            )
        bar = tqdm(
            desc="Storing records", unit="rec", disable=opts["no_progress"], file=self.stderr._out
        )
        try:
            with path.open("rb") as data:  # streamed: the file is read twice, never held whole
                imported = services.batch_import_and_detect(
                    actor=actor,
                    detect=not opts["no_detect"],
                    data=data,
                    name=opts["name"],
                    data_class=opts["data_class"],
                    purpose=opts["purpose"],
                    source_format=opts["format"] or guess_format(path.name),
                    text_columns=opts["text_column"],
                    id_column=opts["id_column"],
                    progress=bar.update,
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        except IngestError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        batch, run = imported.batch, imported.run
        if run is not None:
            self.stdout.write(f"Detection queued: run {run.public_id} ({run.chunk_count} chunks).")
        elif imported.detection_error:
            self.stderr.write(
                f"Detection could not be queued ({imported.detection_error}): start it with "
                f"manage.py detect_batch {batch.public_id}."
            )
        self.stdout.write(
            f"Imported {batch.record_count} records ({batch.char_count} characters) "
            f"as batch {batch.name!r}."
        )
        self.stdout.write(str(batch.public_id))
