"""manage.py detect_file IN.jsonl --output OUT.jsonl: offline detection, no database."""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from anonymizer.engine.jsonl import output_line, read_records
from anonymizer.engine.ruleset import RuleSetConfig, default_ruleset_config
from anonymizer.management.common import add_ruleset_option, read_input


class Command(BaseCommand):
    # An offline tool (no database, no URLs): Django's system checks would only add start-up.
    requires_system_checks: list[str] = []
    help = (
        'Detect PII in a JSON-lines file (each line {"id", "text"}) without the database. '
        'Writes one line per record: {"id", "spans": [{"start", "end", "label", "score", '
        '"recognizer"}]}. The whole input is checked before anything is written.'
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", help="JSON-lines file to read.")
        parser.add_argument("--output", required=True, help="JSON-lines file to write.")
        add_ruleset_option(parser)
        parser.add_argument("--batch-size", type=int, default=64)
        parser.add_argument(
            "--processes", type=int, default=0,
            help="Processes to detect in (default: one per core; 1: this process only).",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        # spaCy takes about a second to import: only this command's run pays for it, not
        # every manage.py command that loads the command list.
        from anonymizer.engine.analyzer import get_analyzer
        from anonymizer.engine.parallel import default_processes, detect_parallel

        config = _load_config(opts["ruleset"])
        records = read_input(opts["input"], read_records)

        analyzer = get_analyzer(config)
        output = Path(opts["output"])
        started = time.perf_counter()
        fd, tmp = tempfile.mkstemp(dir=output.parent or Path("."), prefix=f".{output.name}.")
        spans_total = 0
        try:
            found = detect_parallel(
                [text for _, text in records], analyzer=analyzer,
                processes=opts["processes"] or default_processes(),
                batch_size=opts["batch_size"],
            )
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                for (record_id, _), spans in zip(records, found, strict=True):
                    out.write(output_line(record_id, spans))
                    spans_total += len(spans)
            os.replace(tmp, output)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        elapsed = time.perf_counter() - started
        chars = sum(len(t) for _, t in records)
        self.stdout.write(
            f"{len(records)} records, {spans_total} spans, rule set v{config.version}, "
            f"{elapsed:.1f}s ({chars / elapsed if elapsed else 0:,.0f} chars/s) -> {output}"
        )


def _load_config(path: str | None) -> Any:
    if not path:
        return default_ruleset_config()
    return read_input(path, lambda f: RuleSetConfig.from_dict(json.load(f)), what="Rule set")
