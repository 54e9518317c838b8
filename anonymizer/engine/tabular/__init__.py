"""Structured columns: role suggestions, measured re-identification risk, generalization to a
target k, and differentially private aggregates. Plain Python over columns with numpy/pandas;
no Django.

- `roles`: the column roles (`ColumnRoleKind`) and `suggest_role`;
- `risk`: k-anonymity, l-diversity, t-closeness, prosecutor/journalist/marketer risk;
- `hierarchies` and `generalization`: generalization hierarchies and the lattice search to k/l;
- `dp`: OpenDP aggregates and the privacy-budget check;
- `encoding`: column codes and equivalence classes shared by `risk` and `generalization`.

Imported lazily: `from anonymizer.engine.tabular import ColumnRoleKind` (as the model module
does when Django starts) loads `roles` only, not numpy, pandas and OpenDP (half a second at
every process start-up); each name below is imported from its module when first used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_MODULE_OF = {
    "BudgetExceeded": "dp", "budget_check": "dp", "dp_aggregates": "dp",
    "Table": "encoding",
    "MAX_LATTICE": "generalization", "GeneralizationResult": "generalization",
    "TargetUnreachable": "generalization", "generalize_search": "generalization",
    "HIERARCHY_KINDS": "hierarchies", "SUPPRESSED": "hierarchies", "Hierarchy": "hierarchies",
    "hierarchy_for": "hierarchies",
    "RiskReport": "risk", "risk_metrics": "risk",
    "ColumnRoleKind": "roles", "suggest_role": "roles",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
