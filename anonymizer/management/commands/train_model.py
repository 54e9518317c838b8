"""manage.py train_model: fine-tune a candidate NER model from reviewed records and a
synthetic corpus, and evaluate a draft rule set naming it beside the active one."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from anonymizer.management.common import add_user_option, admin_actor
from anonymizer.rulesets import training
from anonymizer.rulesets.selectors import RuleSetError


class Command(BaseCommand):
    help = (
        "Fine-tune the NER model on reviewers' corrections (the training slice) plus synthetic "
        "tickets, store it as a new model version, and create a draft rule set that names it, "
        "evaluated on the held-out fifth (and --dev GOLD.jsonl). An officer activates it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--epochs", type=int, default=5)
        parser.add_argument("--synthetic", type=int, default=200, help="Synthetic tickets.")
        parser.add_argument("--rehearsal", type=int, default=150, help="Rehearsal texts.")
        parser.add_argument("--seed", type=int, default=0)
        parser.add_argument("--dev", help="A fixed external gold JSONL file to evaluate on.")
        parser.add_argument("--json", action="store_true", help="Also print the report as JSON.")
        add_user_option(parser, "the training")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["epochs"] < 1 or opts["synthetic"] < 0 or opts["rehearsal"] < 0:
            raise CommandError("--epochs must be at least 1; --synthetic, --rehearsal >= 0.")
        actor = admin_actor(opts["user"])
        try:
            run = training.model_train(
                actor=actor, epochs=opts["epochs"], synthetic=opts["synthetic"],
                rehearsal=opts["rehearsal"], seed=opts["seed"], dev_path=opts["dev"],
                progress=self.stdout.write,
            )
        except (RuleSetError, OSError) as exc:
            raise CommandError(str(exc)) from None
        summary = run.model.summary
        self.stdout.write(
            f"NER model v{run.model.version} ({run.model.sha256[:12]}): documents "
            f"{summary.get('documents')}, best epoch {summary.get('best_epoch')} of "
            f"{summary.get('epochs_run')}, dev F {summary.get('dev_f_before')} -> "
            f"{summary.get('dev_f_after')}"
        )
        report = run.evaluation.report
        for where, part in (("held-out", report), ("external dev", report.get("external_dev"))):
            if part:
                self.stdout.write(
                    f"{where}: leak {part['baseline']['leak_rate']:.4f} -> "
                    f"{part['candidate']['leak_rate']:.4f}, precision "
                    f"{part['baseline']['char_precision']:.4f} -> "
                    f"{part['candidate']['char_precision']:.4f}"
                )
        regressions = run.evaluation.regressions
        self.stdout.write(
            f"Draft rule set v{run.ruleset.version}: "
            + (f"regressions {', '.join(regressions)}" if regressions else "no regressions")
            + "; an officer activates it on the rule-set page."
        )
        if opts["json"]:
            self.stdout.write(json.dumps({"model": run.model.version,
                                          "ruleset": run.ruleset.version, "report": report}))
