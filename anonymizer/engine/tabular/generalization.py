"""Full-domain generalization of quasi-identifiers to a target k (and distinct l).

Each quasi-identifier is coarsened through its hierarchy (`hierarchies.Hierarchy`); a node of
the lattice picks one level per column. The search finds the node with least non-uniform
entropy that reaches the target after suppressing records within a budget.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from anonymizer.engine.tabular import encoding
from anonymizer.engine.tabular.encoding import BoolArray, Encoded, FloatArray, IntArray, Table
from anonymizer.engine.tabular.hierarchies import Hierarchy, hierarchy_for
from anonymizer.engine.tabular.risk import RiskReport, report, t_target


class TargetUnreachable(Exception):
    """No generalization within the allowed levels and suppression budget reaches k (and l)."""


@dataclass(frozen=True, slots=True)
class _QiColumn:
    """A quasi-identifier prepared for the search: per level, a map from distinct-value code to
    generalized code, the generalized labels, and each distinct value's entropy loss in bits."""

    name: str
    hierarchy: Hierarchy
    enc: Encoded
    maps: tuple[IntArray, ...]
    cards: tuple[int, ...]
    labels: tuple[npt.NDArray[np.object_], ...]
    weights: tuple[FloatArray, ...]
    top_weight: FloatArray
    loss: tuple[float, ...]

    def codes_at(self, level: int) -> IntArray:
        return self.enc.codes if level == 0 else self.maps[level][self.enc.codes]


def _qi_column(name: str, series: pd.Series[Any], hierarchy: Hierarchy) -> _QiColumn:
    enc = encoding.encode(series)
    n = max(len(enc.codes), 1)
    counts = enc.counts.astype(np.float64)
    maps, cards, labels, weights, losses = [], [], [], [], []
    for level in hierarchy.levels(enc.values, enc.counts.tolist()):
        gen, uniques = pd.factorize(np.asarray(level, dtype=object))
        gen64 = np.asarray(gen, dtype=np.int64)
        gen_counts = np.bincount(gen64, weights=counts, minlength=len(uniques))
        weight = np.log2(gen_counts[gen64] / counts) if len(counts) else counts
        maps.append(gen64)
        cards.append(len(uniques))
        labels.append(np.asarray(uniques, dtype=object))
        weights.append(weight)
        losses.append(float(weight @ counts))
    top = np.log2(n / counts) if len(counts) else counts
    return _QiColumn(name, hierarchy, enc, tuple(maps), tuple(cards), tuple(labels),
                     tuple(weights), top, tuple(losses))


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One lattice node evaluated: its classes, which fail k or l, and how many are suppressed."""

    node: tuple[int, ...]
    anonymous: bool
    ids: IntArray
    sizes: IntArray
    failing: BoolArray
    suppressed: int


@dataclass(frozen=True, slots=True)
class _Problem:
    columns: tuple[_QiColumn, ...]
    sensitive: tuple[tuple[str, Encoded], ...]
    n: int
    k: int
    l: int | None  # noqa: E741
    limit: int

    def evaluate(self, node: Sequence[int]) -> _Outcome:
        parts = [(c.codes_at(lv), c.cards[lv]) for c, lv in zip(self.columns, node, strict=True)]
        ids, sizes = encoding.classes(parts, self.n)
        failing = sizes < self.k
        if self.l is not None:
            for _, enc in self.sensitive:
                found = encoding.pairs(ids, len(sizes), enc.codes, len(enc.values))
                failing |= encoding.distinct_per_class(found, len(sizes)) < self.l
        suppressed = int(sizes[failing].sum())
        anonymous = suppressed <= self.limit and suppressed < self.n
        return _Outcome(tuple(node), anonymous, ids, sizes, failing, suppressed)

    def entropy(self, outcome: _Outcome) -> float:
        """Non-uniform entropy in bits; a suppressed record loses its cells entirely."""
        loss = sum(c.loss[lv] for c, lv in zip(self.columns, outcome.node, strict=True))
        if outcome.suppressed:
            records = outcome.failing[outcome.ids]
            for c, lv in zip(self.columns, outcome.node, strict=True):
                extra = c.top_weight - c.weights[lv]
                loss += float(extra[c.enc.codes[records]].sum())
        return loss


@dataclass(frozen=True)
class GeneralizationResult:
    """The least-loss full-domain generalization that reaches the target.

    `table` holds the transformed rows (original index kept); suppressed records are removed.
    `information_loss` is non-uniform entropy normalized to 0..1 (1 = everything suppressed);
    `generalized_cell_share` counts quasi-identifier cells generalized or suppressed.
    """

    levels: tuple[tuple[str, int], ...]
    level_names: tuple[tuple[str, str], ...]
    k: int
    l: int | None  # noqa: E741
    suppressed: int
    suppressed_share: float
    generalized_cell_share: float
    information_loss: float
    entropy_bits: float
    discernibility: int
    risk_before: RiskReport
    risk_after: RiskReport
    lattice_size: int
    evaluated: int
    table: pd.DataFrame = field(repr=False, compare=False)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly summary for manifests (no rows)."""
        return {
            "levels": dict(self.levels), "level_names": dict(self.level_names),
            "k": self.k, "l": self.l, "suppressed": self.suppressed,
            "suppressed_share": self.suppressed_share,
            "generalized_cell_share": self.generalized_cell_share,
            "information_loss": self.information_loss, "entropy_bits": self.entropy_bits,
            "discernibility": self.discernibility, "risk_before": self.risk_before.as_dict(),
            "risk_after": self.risk_after.as_dict(), "lattice_size": self.lattice_size,
            "evaluated": self.evaluated,
        }


MAX_LATTICE = 1_000_000


def generalize_search(
    data: Table, quasi: Mapping[str, str | Hierarchy], k: int, l: int | None = None,  # noqa: E741
    sensitive: Sequence[str] = (), suppression_budget: float = 0.0, *,
    max_levels: Mapping[str, int] | None = None, t_attribute: str | None = None,
) -> GeneralizationResult:
    """Find the full-domain generalization with least non-uniform entropy that reaches k (and
    distinct l for every sensitive column) after suppressing at most `suppression_budget` of the
    records, namely those in classes smaller than k (or with fewer than l sensitive values).

    `quasi` maps each quasi-identifier to a hierarchy kind or a `Hierarchy`; `max_levels` caps a
    column's generalization (e.g. keep at least the postcode district). The search is
    branch-and-bound over the lattice in order of a lower bound on loss (the entropy of the
    generalization alone), with ARX-style predictive tagging: k and l with suppression are
    monotone, so a node that fails tags every node below it as failing without evaluation.
    Raises `TargetUnreachable` naming the blocking quasi-identifier.
    """
    if k < 1 or (l is not None and l < 1) or not 0.0 <= suppression_budget <= 1.0:
        raise ValueError("k and l must be at least 1 and the budget within 0..1")
    frame = encoding.as_frame(data)
    n = len(frame)
    columns = tuple(
        _qi_column(name, frame[name], h if isinstance(h, Hierarchy) else hierarchy_for(h))
        for name, h in quasi.items())
    problem = _Problem(columns, tuple((c, encoding.encode(frame[c])) for c in sensitive), n, k, l,
                       math.floor(suppression_budget * n + 1e-9))
    caps = max_levels or {}
    tops = tuple(min(caps.get(c.name, len(c.maps) - 1), len(c.maps) - 1) for c in columns)
    top = problem.evaluate(tops)
    if not top.anonymous:
        raise TargetUnreachable(_unreachable_message(problem, tops, top))
    best, evaluated, size = _search(problem, tops, top)
    return _result(problem, frame, best, evaluated, size, t_attribute)


class _Lattice:
    """The nodes below `tops`, their loss lower bounds, and what is known of each (ARX-style
    predictive tagging: k and l with suppression are monotone, so an anonymous node makes every
    node above it anonymous and a failing node makes every node below it fail)."""

    def __init__(self, problem: _Problem, tops: tuple[int, ...]) -> None:
        ranges = [range(t + 1) for t in tops]
        self.size = math.prod(len(r) for r in ranges)
        if self.size > MAX_LATTICE:
            raise ValueError(f"generalization lattice of {self.size} nodes is too large")
        self.problem, self.tops = problem, tops
        self.nodes = np.array(list(itertools.product(*ranges)), dtype=np.int64).reshape(
            self.size, len(tops))
        self.strides = [math.prod(t + 1 for t in tops[i + 1:]) for i in range(len(tops))]
        self.bound = np.zeros(self.size)
        for i, column in enumerate(problem.columns):
            self.bound += np.asarray(column.loss)[self.nodes[:, i]]
        self.state = np.zeros(self.size, dtype=np.int8)  # 1 anonymous, -1 failing, 0 unknown
        self.outcomes: dict[int, _Outcome] = {}

    def index(self, node: Sequence[int]) -> int:
        return sum(v * s for v, s in zip(node, self.strides, strict=True))

    def evaluate(self, index: int) -> _Outcome:
        if index not in self.outcomes:
            outcome = self.problem.evaluate(tuple(int(v) for v in self.nodes[index]))
            self.outcomes[index] = outcome
            if outcome.anonymous:
                self.state[np.all(self.nodes >= self.nodes[index], axis=1)] = 1
            else:
                self.state[np.all(self.nodes <= self.nodes[index], axis=1)] = -1
        return self.outcomes[index]

    def resolve(self, index: int) -> None:
        """Binary search the chain from this node up to the top for the lowest anonymous node,
        so that one evaluation high in the lattice tags many nodes below it."""
        node, chain = [int(v) for v in self.nodes[index]], [index]
        column = 0
        while node != list(self.tops):
            while node[column] >= self.tops[column]:
                column = (column + 1) % len(node)
            node[column] += 1
            chain.append(self.index(node))
            column = (column + 1) % len(node)
        low, high = 0, len(chain) - 1
        while low < high and self.state[index] == 0:
            mid = (low + high) // 2
            if self.state[chain[mid]] == 0:
                self.evaluate(chain[mid])
            if self.state[chain[mid]] == 1:
                high = mid
            else:
                low = mid + 1
        if self.state[index] == 0:
            self.evaluate(index)


def _search(problem: _Problem, tops: tuple[int, ...], top: _Outcome,
            ) -> tuple[_Outcome, int, int]:
    lattice = _Lattice(problem, tops)
    top_index = lattice.size - 1
    lattice.outcomes[top_index] = top
    lattice.state[top_index] = 1
    order = np.lexsort((lattice.nodes.sum(axis=1), lattice.bound))
    best, best_loss = top, problem.entropy(top)
    for index in order:
        if lattice.bound[index] >= best_loss - 1e-9:
            break
        lattice.resolve(int(index))
        if lattice.state[index] != 1:
            continue
        outcome = lattice.evaluate(int(index))
        loss = problem.entropy(outcome)
        if loss < best_loss - 1e-9:
            best, best_loss = outcome, loss
    return best, len(lattice.outcomes), lattice.size


def _unreachable_message(problem: _Problem, tops: tuple[int, ...], top: _Outcome) -> str:
    target = f"k = {problem.k}" + (f" and l = {problem.l}" if problem.l is not None else "")
    if problem.n < problem.k:
        return f"the table has {problem.n} records, fewer than k = {problem.k}"
    if problem.l is not None:
        for name, enc in problem.sensitive:
            if np.count_nonzero(enc.counts) < problem.l:
                return (f"sensitive attribute {name!r} has fewer than l = {problem.l} "
                        "distinct values in the whole table")
    share = top.suppressed / max(problem.n, 1)
    budget = problem.limit / max(problem.n, 1)
    for i, column in enumerate(problem.columns):
        full = len(column.maps) - 1
        if tops[i] < full:
            lifted = problem.evaluate(tops[:i] + (full,) + tops[i + 1:])
            if lifted.anonymous:
                return (f"quasi-identifier {column.name!r} blocks {target}: at its highest "
                        f"allowed level ({tops[i]}) {share:.1%} of records would need "
                        f"suppression, over the {budget:.1%} budget; generalizing "
                        f"{column.name!r} further would reach the target")
    distinct = [len(np.unique(c.codes_at(lv))) for c, lv in zip(problem.columns, tops,
                                                                strict=True)]
    worst = problem.columns[int(np.argmax(distinct))].name if distinct else "(none)"
    return (f"quasi-identifier {worst!r} blocks {target}: even at the highest allowed levels "
            f"{share:.1%} of records would need suppression, over the {budget:.1%} budget; "
            f"{worst!r} keeps the most distinct values ({max(distinct, default=0)})")


def _result(problem: _Problem, frame: pd.DataFrame, best: _Outcome, evaluated: int, size: int,
            t_attribute: str | None) -> GeneralizationResult:
    n, m = problem.n, len(problem.columns)
    sens_names = [name for name, _ in problem.sensitive]
    target = t_target(sens_names, t_attribute)
    bottom = problem.evaluate(tuple(0 for _ in problem.columns))
    before = report(bottom.ids, bottom.sizes, problem.sensitive, target)
    keep = ~best.failing[best.ids]
    remap = np.cumsum(~best.failing, dtype=np.int64) - 1
    kept_sens = tuple((name, Encoded(enc.codes[keep], enc.values, enc.counts))
                      for name, enc in problem.sensitive)
    after = report(remap[best.ids[keep]], best.sizes[~best.failing], kept_sens, target)
    table = frame.loc[keep].copy()
    for column, level in zip(problem.columns, best.node, strict=True):
        if level:
            table[column.name] = column.labels[level][column.codes_at(level)[keep]]
    retained = n - best.suppressed
    changed = sum(retained for lv in best.node if lv) + best.suppressed * m
    total_loss = sum(float(c.top_weight @ c.enc.counts) for c in problem.columns)
    bits = problem.entropy(best)
    kept_sizes = best.sizes[~best.failing]
    return GeneralizationResult(
        levels=tuple((c.name, lv) for c, lv in zip(problem.columns, best.node, strict=True)),
        level_names=tuple((c.name, c.hierarchy.level_names(len(c.maps))[lv])
                          for c, lv in zip(problem.columns, best.node, strict=True)),
        k=after.k, l=min((v for _, v in after.l_diversity), default=None) if sens_names else None,
        suppressed=best.suppressed, suppressed_share=best.suppressed / n if n else 0.0,
        generalized_cell_share=changed / (n * m) if n and m else 0.0,
        information_loss=bits / total_loss if total_loss else 0.0, entropy_bits=bits,
        discernibility=int((kept_sizes.astype(np.int64) ** 2).sum()) + best.suppressed * n,
        risk_before=before, risk_after=after, lattice_size=size, evaluated=evaluated,
        table=table)

