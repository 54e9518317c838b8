"""manage.py calibrate_risk GOLD.jsonl: the auto-clear share against the leak in auto-cleared
records for each threshold setting, and the chosen one written into a new rule-set version."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from anonymizer import roles
from anonymizer.engine.calibration import MIN_CHARS, calibrate, choose, settings_grid
from anonymizer.engine.evaluation import load_gold
from anonymizer.engine.risk import RiskThresholds
from anonymizer.management.common import add_user_option, admin_actor, read_input
from anonymizer.models import DataClass, Purpose
from anonymizer.rulesets.calibration import ruleset_calibrate
from anonymizer.rulesets.selectors import RuleSetError, ruleset_active, ruleset_engine_config


class Command(BaseCommand):
    help = (
        "Calibrate the risk thresholds on gold JSON lines: print, for each setting, the share "
        "of records auto-cleared and the share of must-mask strings left verbatim in them; "
        "write the setting that clears most within --max-leak into a new draft rule set (an "
        "officer activates it). --dry-run writes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("gold")
        parser.add_argument("--data-class", default="personal", choices=DataClass.values)
        parser.add_argument("--purpose", default="theme_analysis", choices=Purpose.values)
        parser.add_argument("--max-leak", type=float, default=0.01)
        parser.add_argument("--dry-run", action="store_true")
        add_user_option(parser, "the new rule-set version", roles.PRIVACY_OFFICER)

    def handle(self, *args: Any, **opts: Any) -> None:
        # spaCy takes about a second to import: only this command's run pays for it.
        from anonymizer.engine.analyzer import detect_many, get_analyzer

        docs = read_input(opts["gold"], load_gold)
        try:
            active = ruleset_active()
        except RuleSetError as exc:
            raise CommandError(str(exc)) from None
        config = ruleset_engine_config(active)
        base = RiskThresholds(**{**settings.VEIL_RISK_THRESHOLDS, **config.risk_thresholds})
        predicted = list(detect_many([d.text for d in docs], analyzer=get_analyzer(config)))
        rows = calibrate(
            docs,
            predicted,
            settings_grid(base),
            data_class=opts["data_class"],
            purpose=opts["purpose"],
        )
        self._table(rows)
        chosen = choose(rows, opts["max_leak"])
        if chosen is None:
            raise CommandError(f"No setting keeps the leak at or under {opts['max_leak']:.2%}.")
        self.stdout.write(f"Chosen: {chosen.as_dict()}")
        if opts["dry_run"]:
            return
        actor = admin_actor(opts["user"], roles.PRIVACY_OFFICER)
        draft = ruleset_calibrate(actor=actor, chosen=chosen, rows=rows, source=opts["gold"])
        self.stdout.write(
            f"Written into draft rule set v{draft.version} (based on v{active.version}); "
            "a privacy officer activates it on the rule-set page."
        )

    def _table(self, rows: list[Any]) -> None:
        self.stdout.write(
            f"leak = must-mask strings of {MIN_CHARS}+ characters no detection touches, "
            "in auto-cleared records"
        )
        self.stdout.write(
            f"{'confident':>9} {'hints':>5} {'density':>7} {'auto-clear':>10} {'leak':>7}"
        )
        for r in rows:
            s = r.setting
            self.stdout.write(
                f"{s['confident_score']:>9.2f} {s['max_risky_hints']:>5} "
                f"{s['density_per_100_chars']:>7.1f} {r.auto_cleared_share:>10.1%} "
                f"{r.leak_in_auto_cleared:>7.2%}"
            )
