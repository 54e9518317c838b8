"""manage.py evaluate_detection GOLD.jsonl: detection quality, no database."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from anonymizer.engine.evaluation import evaluate, format_report, load_gold, presidio_baseline
from anonymizer.management.commands.detect_file import _load_config
from anonymizer.management.common import add_ruleset_option, read_input


class Command(BaseCommand):
    # An offline tool (no database, no URLs): Django's system checks would only add start-up.
    requires_system_checks: list[str] = []
    help = (
        'Evaluate detection on gold JSON lines ({"id", "text", "spans": [{"start", "end", '
        '"label"}]}): per-entity precision / recall / F2, character leak rate and character '
        "precision. With --baseline-presidio, stock Presidio is scored on the same file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("gold", help="Gold JSON-lines file.")
        parser.add_argument("--baseline-presidio", action="store_true")
        add_ruleset_option(parser)
        parser.add_argument("--json", action="store_true", help="Also print figures as JSON.")

    def handle(self, *args: Any, **opts: Any) -> None:
        # spaCy takes about a second to import: only this command's run pays for it.
        from anonymizer.engine.analyzer import detect_many, get_analyzer

        config = _load_config(opts["ruleset"])
        docs = read_input(opts["gold"], load_gold)
        texts = [d.text for d in docs]
        ours = evaluate(docs, list(detect_many(texts, analyzer=get_analyzer(config))))
        self.stdout.write(format_report(ours, f"Veil (rule set v{config.version})"))
        figures = {"ours": ours.as_dict()}
        if opts["baseline_presidio"]:
            base = evaluate(docs, presidio_baseline(texts))
            self.stdout.write("")
            self.stdout.write(format_report(base, "Plain Presidio (analyze() per text)"))
            figures["presidio"] = base.as_dict()
        if opts["json"]:
            self.stdout.write(json.dumps(figures))
