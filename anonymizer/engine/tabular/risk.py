"""Measured re-identification risk of a table over its quasi-identifiers.

Definitions follow ARX (arx.deidentifier.org) for a table of n records whose quasi-identifiers
split it into equivalence classes (records sharing every quasi-identifier value):

- k-anonymity: the size of the smallest equivalence class.
- unique share: records alone in their class, divided by n.
- prosecutor risk: the attacker knows the target is in the data. A record's risk is
  1 / |its class|; the highest risk is 1 / k, the average is (number of classes) / n.
- journalist risk: the attacker does not know whether the target is in the data, so risk is
  computed against the population. Veil has no population model, so it assumes the data *is*
  the population (ARX's default without a population table): journalist risk equals prosecutor.
- marketer risk: the expected share of records re-identified when every record is matched:
  (number of classes) / n under the same assumption.
- distinct l-diversity per sensitive attribute: the smallest number of distinct sensitive values
  in any class.
- t-closeness for one categorical sensitive attribute: the largest Earth Mover's Distance between
  a class's value distribution and the whole table's; with equal ground distance between all
  categories the EMD is the total variation distance, 0.5 * L1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from anonymizer.engine.tabular import encoding
from anonymizer.engine.tabular.encoding import Encoded, FloatArray, IntArray, Pairs, Table


@dataclass(frozen=True, slots=True)
class RiskReport:
    """Re-identification risk of a table over its quasi-identifiers (see module docstring)."""

    records: int
    classes: int
    k: int
    uniques: int
    unique_share: float
    prosecutor_max: float
    prosecutor_avg: float
    journalist_max: float
    journalist_avg: float
    marketer: float
    l_diversity: tuple[tuple[str, int], ...] = ()
    t_closeness: float | None = None
    t_attribute: str | None = None

    def as_dict(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["l_diversity"] = dict(self.l_diversity)
        return out


def _t_closeness(found: Pairs, sizes: IntArray, overall: FloatArray) -> float:
    """Max over classes of 0.5 * sum_s |p(s | class) - p(s)|, summing absent values as p(s)."""
    p_class = found.count / sizes[found.cls]
    p_all = overall[found.value]
    per_class = np.bincount(found.cls, weights=np.abs(p_class - p_all) - p_all,
                            minlength=len(sizes))
    return float(np.max(0.5 * (1.0 + per_class))) if len(sizes) else 0.0


def t_target(sensitive: Sequence[str], t_attribute: str | None) -> str | None:
    """The column t-closeness is measured for: `t_attribute`, else the first sensitive one."""
    return t_attribute if t_attribute is not None else (sensitive[0] if sensitive else None)


def report(ids: IntArray, sizes: IntArray, sensitive: Sequence[tuple[str, Encoded]],
           t_attribute: str | None) -> RiskReport:
    """The risk report for records in classes `ids` of `sizes`, with l (and t) per sensitive."""
    n, n_classes = int(sizes.sum()), len(sizes)
    if n == 0:
        return RiskReport(0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    uniques = int(np.count_nonzero(sizes == 1))
    k = int(sizes.min())
    l_values: list[tuple[str, int]] = []
    t_value: float | None = None
    for name, enc in sensitive:
        found = encoding.pairs(ids, n_classes, enc.codes, len(enc.values))
        l_values.append((name, int(encoding.distinct_per_class(found, n_classes).min())))
        if name == t_attribute:
            overall = np.bincount(enc.codes, minlength=len(enc.values)) / n
            t_value = _t_closeness(found, sizes, overall)
    average = n_classes / n
    return RiskReport(
        records=n, classes=n_classes, k=k, uniques=uniques, unique_share=uniques / n,
        prosecutor_max=1.0 / k, prosecutor_avg=average,
        journalist_max=1.0 / k, journalist_avg=average, marketer=average,
        l_diversity=tuple(l_values), t_closeness=t_value,
        t_attribute=t_attribute if t_value is not None else None)


def risk_metrics(data: Table, quasi: Sequence[str], sensitive: Sequence[str] = (), *,
                 t_attribute: str | None = None) -> RiskReport:
    """Risk of `data` (columns mapping or DataFrame) over `quasi`; l per `sensitive` column.

    t-closeness is measured for `t_attribute`, by default the first sensitive column.
    """
    frame = encoding.as_frame(data)
    encoded = [encoding.encode(frame[c]) for c in quasi]
    ids, sizes = encoding.classes([(e.codes, len(e.values)) for e in encoded], len(frame))
    sens = [(c, encoding.encode(frame[c])) for c in sensitive]
    return report(ids, sizes, sens, t_target(sensitive, t_attribute))
