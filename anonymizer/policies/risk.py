"""Re-identification risk a policy's column rules and tabular targets would reach on one
batch, before the policy is approved: the table an export would write (columns the policy
keeps, each value under its column rule, the quasi-identifiers generalized to the target k and
l as anonymizer/exports/tabular.py does, records it would suppress left out), measured with
the engine's risk metrics (k, distinct l, t-closeness, prosecutor risk). Figures only; no value
leaves this module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from anonymizer.engine.tabular import (
    RiskReport,
    TargetUnreachable,
    generalize_search,
    risk_metrics,
    suggest_role,
)
from anonymizer.engine.transform import apply_operator, policy_from_dict, pseudonym
from anonymizer.models import ColumnRole, Policy, SourceBatch
from anonymizer.policies.rules import column_label

# Pseudonyms only need to stay distinct here (one value, one token): any key will do.
MEASURE_KEY = b"risk-measure-only"
QUASI, SENSITIVE = ColumnRole.Role.QUASI.value, ColumnRole.Role.SENSITIVE.value


@dataclass
class RiskFigures:
    """What the page shows: before (every quasi-identifier as uploaded) and after."""

    records: int
    quasi: list[str]  # the quasi-identifiers the export keeps
    sensitive: list[str]
    confirmed: bool  # column roles confirmed by an officer (else suggested ones are used)
    before: RiskReport | None
    after: RiskReport | None
    t_by_column: dict[str, float | None] = field(default_factory=dict)
    t_before_by_column: dict[str, float | None] = field(default_factory=dict)
    suppressed: int = 0
    target: dict[str, Any] = field(default_factory=dict)
    refused: str = ""  # why an export under this policy would be refused
    dropped_quasi: list[str] = field(default_factory=list)


    def table(self) -> list[dict[str, str]]:
        """One row per measure: {measure, name, before, after}, numbers as text."""
        before, after = self.before, self.after
        rows = [
            _row("k", "k: the smallest group of look-alike records", before, after,
                 lambda r: str(r.k)),
            _row("prosecutor_max", "Highest re-identification risk (1/k)", before, after,
                 lambda r: f"{r.prosecutor_max:.3f}"),
            _row("prosecutor_avg", "Average re-identification risk", before, after,
                 lambda r: f"{r.prosecutor_avg:.3f}"),
        ]
        for column in self.sensitive:
            rows.append(_row(f"l:{column}", f"l: distinct {column} values per group", before,
                             after, lambda r, c=column: str(dict(r.l_diversity).get(c, "—"))))
        for column in self.sensitive:
            t = self.t_by_column.get(column)
            t_before = self.t_before_by_column.get(column)
            rows.append({"measure": f"t:{column}", "name": f"t: distance of {column} per group "
                         "from the whole table", "before": _num(t_before), "after": _num(t)})
        rows.append({"measure": "suppressed", "name": "Records left out to reach k",
                     "before": "0", "after": str(self.suppressed)})
        return rows


def _num(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _row(measure: str, name: str, before: RiskReport | None, after: RiskReport | None,
         show: Any) -> dict[str, str]:
    return {"measure": measure, "name": name,
            "before": show(before) if before else "—", "after": show(after) if after else "—"}


def _roles(batch: SourceBatch) -> tuple[dict[str, str], dict[str, str], bool]:
    """Role and hierarchy per column: the officer's confirmed ones if any, else suggestions."""
    stored = list(batch.column_roles.all())
    confirmed = any(r.role for r in stored)
    roles = {r.column: (r.role if confirmed else r.suggested) for r in stored}
    hierarchy = {r.column: r.hierarchy or "category" for r in stored}
    missing = [c for c in batch.structured_columns if c not in roles]
    if missing and not confirmed:
        _, sample = batch.column_values(missing)
        for c in missing:
            roles[c] = str(suggest_role(c, sample[c][:200]))
    return roles, hierarchy, confirmed


def _transformed(values: list[str], column: str, policy: Policy) -> list[str]:
    """A column's values as the export writes them under its column rule."""
    spec = policy_from_dict({"rules": policy.column_rules or {}}).rules[column]
    label = column_label(column, spec)
    if spec.operator == "pseudonymize":
        return [pseudonym(v, label, MEASURE_KEY) if v else "" for v in values]
    return [apply_operator(v, label, spec, MEASURE_KEY) if v else "" for v in values]


def _kept(policy: Policy) -> set[str]:
    rules = policy_from_dict({"rules": policy.column_rules or {}}).rules
    return {c for c, spec in rules.items() if spec.operator != "redact"}


def policy_risk(policy: Policy, batch: SourceBatch) -> RiskFigures:
    """The risk figures of `batch` under `policy` (all its records, reviewed or not)."""
    roles, hierarchy, confirmed = _roles(batch)
    columns = batch.structured_columns
    quasi_all = [c for c in columns if roles.get(c) == QUASI]
    sens_all = [c for c in columns if roles.get(c) == SENSITIVE]
    kept = _kept(policy)
    quasi = [c for c in quasi_all if c in kept]
    sensitive = [c for c in sens_all if c in kept]
    _, raw = batch.column_values(quasi_all + sens_all)
    n = len(raw[quasi_all[0]]) if quasi_all else batch.record_count
    figures = RiskFigures(
        records=n, quasi=quasi, sensitive=sensitive, confirmed=confirmed, before=None,
        after=None, target=dict(policy.tabular or {}),
        dropped_quasi=[c for c in quasi_all if c not in kept],
    )
    if quasi_all:
        figures.before = risk_metrics(raw, quasi_all, sens_all)
        for column in sens_all:
            figures.t_before_by_column[column] = risk_metrics(
                raw, quasi_all, [column], t_attribute=column).t_closeness
    out = {c: _transformed(raw[c], c, policy) for c in quasi + sensitive}
    if figures.target.get("k") and quasi:
        try:
            out = _generalized(raw, out, quasi, sensitive, hierarchy, figures)
        except TargetUnreachable as exc:
            figures.refused = f"k={figures.target['k']} cannot be reached: {exc}"
            return figures
    if not confirmed and figures.target.get("k"):
        figures.refused = ("An officer must confirm the batch's column roles before an export "
                           "with a target k; these figures use the suggested roles.")
    # No column kept: every record looks alike, one group of them all.
    table = out or {"": [""] * figures.records}
    figures.after = risk_metrics(table, quasi, sensitive) if figures.records else None
    for column in sensitive:
        figures.t_by_column[column] = risk_metrics(
            table, quasi, [column], t_attribute=column).t_closeness
    return figures


def _generalized(
    raw: dict[str, list[str]], out: dict[str, list[str]], quasi: list[str],
    sensitive: list[str], hierarchy: dict[str, str], figures: RiskFigures,
) -> dict[str, list[str]]:
    """The quasi-identifiers generalized to the target as the export does it (from the values
    as uploaded, replacing the column rule's output); suppressed records left out."""
    target = figures.target
    result = generalize_search(
        {c: raw[c] for c in quasi + sensitive},
        {c: hierarchy.get(c, "category") for c in quasi},
        int(target["k"]),
        int(target["l"]) if target.get("l") else None,
        sensitive,
        float(target.get("suppression", 0.05)),
        max_levels={str(c): int(v) for c, v in dict(target.get("max_levels", {})).items()},
    )
    rows = [int(i) for i in result.table.index]
    figures.suppressed = figures.records - len(rows)
    # A value the search left as it was (level 0) leaves under its column rule, as in the
    # export (exports.files._fields); a generalized one replaces the rule's output.
    generalized = {c: [_level0_or(str(result.table.at[i, c]), raw[c][i], out[c][i])
                       for i in rows] for c in quasi}
    return generalized | {c: [out[c][i] for i in rows] for c in sensitive}


def _level0_or(generalized: str, raw: str, ruled: str) -> str:
    return ruled if generalized == raw else generalized
