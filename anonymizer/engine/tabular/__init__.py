"""Structured columns: role suggestions, measured re-identification risk, generalization to a
target k, and differentially private aggregates. Plain Python over columns with numpy/pandas;
no Django.

- `roles`: the column roles (`ColumnRoleKind`) and `suggest_role`;
- `risk`: k-anonymity, l-diversity, t-closeness, prosecutor/journalist/marketer risk;
- `hierarchies` and `generalization`: generalization hierarchies and the lattice search to k/l;
- `dp`: OpenDP aggregates and the privacy-budget check;
- `encoding`: column codes and equivalence classes shared by `risk` and `generalization`.
"""

from anonymizer.engine.tabular.dp import BudgetExceeded, budget_check, dp_aggregates
from anonymizer.engine.tabular.encoding import Table
from anonymizer.engine.tabular.generalization import (
    MAX_LATTICE,
    GeneralizationResult,
    TargetUnreachable,
    generalize_search,
)
from anonymizer.engine.tabular.hierarchies import (
    HIERARCHY_KINDS,
    SUPPRESSED,
    Hierarchy,
    hierarchy_for,
)
from anonymizer.engine.tabular.risk import RiskReport, risk_metrics
from anonymizer.engine.tabular.roles import ColumnRoleKind, suggest_role

__all__ = [
    "HIERARCHY_KINDS",
    "MAX_LATTICE",
    "SUPPRESSED",
    "BudgetExceeded",
    "ColumnRoleKind",
    "GeneralizationResult",
    "Hierarchy",
    "RiskReport",
    "Table",
    "TargetUnreachable",
    "budget_check",
    "dp_aggregates",
    "generalize_search",
    "hierarchy_for",
    "risk_metrics",
    "suggest_role",
]
