"""manage.py evaluate_quasi [FILE ...]: implied-identifier quality, no database."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from anonymizer.engine.evaluation import GoldDoc, GoldSpan, evaluate_groups, gold_label
from anonymizer.engine.quasi_synth import generate, read_markup
from anonymizer.management.commands.detect_file import _load_config
from anonymizer.management.common import add_ruleset_option, read_input


def _docs(rows: list[dict[str, Any]]) -> list[GoldDoc]:
    return [
        GoldDoc(str(r.get("id", i)), r["text"], tuple(
            GoldSpan(s["start"], s["end"], gold_label(s["label"])) for s in r["spans"]))
        for i, r in enumerate(rows)
    ]


def _read(path: str) -> list[GoldDoc]:
    if path.endswith(".jsonl"):
        return read_input(path, lambda f: _docs([json.loads(line) for line in f if line.strip()]))
    return read_input(path, lambda f: _docs(read_markup(f)))


class Command(BaseCommand):
    requires_system_checks: list[str] = []
    help = (
        "Recall and precision of direct identifiers, implied identifiers (QUASI_* phrases) and "
        "context (places, organisations, dates), each scored apart, on labelled tickets: "
        "markup files ([[LABEL|text]], docs/quasi_identifiers.md) or JSON lines, and with "
        "--generated N, N tickets from the project's generator. Implied identifiers are "
        "detected whatever the rule set says (the command measures them)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="Markup (.txt) or JSON-lines (.jsonl) files.")
        parser.add_argument("--generated", type=int, default=0, metavar="N")
        parser.add_argument("--seed", type=int, default=7)
        add_ruleset_option(parser)
        parser.add_argument("--json", action="store_true", help="Print figures as JSON too.")

    def handle(self, *args: Any, **opts: Any) -> None:
        # spaCy takes about a second to import: only this command's run pays for it.
        from anonymizer.engine.analyzer import detect_many, get_analyzer

        sets: dict[str, list[GoldDoc]] = {path: _read(path) for path in opts["files"]}
        if opts["generated"]:
            sets[f"generated({opts['generated']}, seed {opts['seed']})"] = _docs(
                generate(opts["generated"], opts["seed"]))
        if not sets:
            raise CommandError("Name a file or --generated N.")
        config = dataclasses.replace(_load_config(opts["ruleset"]), implied_identifiers=True)
        analyzer = get_analyzer(config)
        figures: dict[str, Any] = {}
        for name, docs in sets.items():
            predictions = list(detect_many([d.text for d in docs], analyzer=analyzer))
            groups = evaluate_groups(docs, predictions)
            self.stdout.write(f"{name}: {len(docs)} tickets")
            self.stdout.write(f"  {'group':<10}{'gold':>6}{'pred':>6}{'recall':>8}{'prec':>8}")
            for group, s in groups.items():
                self.stdout.write(
                    f"  {group:<10}{s.gold:>6}{s.predicted:>6}{s.recall:>8.3f}{s.precision:>8.3f}")
            figures[name] = {
                g: {"gold": s.gold, "predicted": s.predicted, "recall": round(s.recall, 4),
                    "precision": round(s.precision, 4)} for g, s in groups.items()}
        if opts["json"]:
            self.stdout.write(json.dumps(figures))
