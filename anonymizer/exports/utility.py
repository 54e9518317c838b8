"""The export's privacy-utility figures (the manifest's `utility` object), from what the
export wrote (exports.files.Tally) and the engine's measures (engine.utility): the same
classifier's accuracy on the raw and on the transformed text for the label column the admin
chose, the share of characters changed, each kept column's fidelity, the change of their
correlations, the error of a standard set of count and mean queries, and for a differentially
private release the expected error of its counts. Figures only: no value leaves."""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from anonymizer.engine.utility import (
    UtilityReport,
    column_fidelity,
    correlation_change,
    laplace_expected_error,
    standard_queries,
    task_accuracy,
)
from anonymizer.exports.files import Plan, Tally

MAX_TASK_RECORDS = 20_000  # a stable sample beyond this: cross-validation stays a few seconds
# Column fidelity and query error on a stable sample beyond this many rows (their estimates
# are within a fraction of a per cent there; the full table costs seconds per 100k rows).
MAX_COLUMN_ROWS = 20_000
GOAL_KEPT = 0.95


def utility_figures(tally: Tally, plan: Plan, dp: dict[str, Any] | None) -> dict[str, Any]:
    return with_dp(utility_report(tally, plan), dp)


def with_dp(report: UtilityReport, dp: dict[str, Any] | None) -> dict[str, Any]:
    """The manifest's `utility` object: the report, with a differentially private release's
    expected error of its counts."""
    expected = round(laplace_expected_error(float(dp["epsilon"])), 4) if dp and dp.get(
        "epsilon") else None
    return replace(report, dp_expected_error=expected).as_dict()


def utility_report(tally: Tally, plan: Plan) -> UtilityReport:
    """The figures that need the records (what takes the time: a worker process may make
    them while the export stores its vault entries)."""
    share = tally.chars_changed / tally.chars_total if tally.chars_total else 0.0
    task, note = None, ""
    if plan.utility_label:
        samples = tally.samples
        if len(samples) > MAX_TASK_RECORDS:
            samples = random.Random(0).sample(samples, MAX_TASK_RECORDS)
        try:
            task = task_accuracy([s[0] for s in samples], [s[1] for s in samples],
                                 [s[2] for s in samples])
        except ValueError as exc:
            note = f"Task accuracy not measured: {exc}."
        else:
            kept = task.kept >= GOAL_KEPT
            note = (f"The transformed text keeps {task.kept:.1%} of the raw text's accuracy on "
                    f"'{plan.utility_label}' ({'meets' if kept else 'misses'} the 95 % goal).")
    columns = [c for c in plan.kept_columns if c != plan.utility_label]
    raw, released = tally.raw_rows, tally.released_rows
    if len(raw) > MAX_COLUMN_ROWS:  # the same stable sample of rows on both sides
        picked = sorted(random.Random(0).sample(range(len(raw)), MAX_COLUMN_ROWS))
        raw, released = [raw[i] for i in picked], [released[i] for i in picked]
    return UtilityReport(
        task=task, chars_changed_share=share, label=plan.utility_label, note=note,
        columns=column_fidelity(raw, released, columns),
        correlation_change=correlation_change(raw, released, columns),
        queries=standard_queries(raw, released, columns),
    )
