"""Structured columns: measured re-identification risk, generalization to a target k, and
differentially private aggregates. Plain Python over columns with numpy/pandas; no Django.

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

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
Table: TypeAlias = "Mapping[str, Sequence[str]] | pd.DataFrame"

SUPPRESSED = "*"


# --- column roles -------------------------------------------------------------------------------

class ColumnRole(StrEnum):
    DIRECT_IDENTIFIER = "direct_identifier"
    QUASI_IDENTIFIER = "quasi_identifier"
    SENSITIVE = "sensitive"
    INSENSITIVE = "insensitive"


_ROLE_WORDS: tuple[tuple[ColumnRole, frozenset[str], tuple[str, ...]], ...] = (
    (ColumnRole.DIRECT_IDENTIFIER,
     frozenset({"name", "firstname", "lastname", "surname", "fullname", "username", "phone",
                "mobile", "telephone", "tel", "ssn", "passport"}),
     ("email", "e_mail", "phone", "ssn", "social_security")),
    (ColumnRole.QUASI_IDENTIFIER,
     frozenset({"age", "gender", "sex", "city", "town", "country", "job", "occupation", "zip",
                "dob"}),
     ("postcode", "post_code", "postal", "zipcode", "zip_code", "birth")),
    (ColumnRole.SENSITIVE,
     frozenset({"diagnosis", "health", "salary", "income", "religion", "complaint", "category"}),
     ("diagnos", "health", "salary", "religio", "complaint", "category")),
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_DATE_SHAPE = re.compile(r"^\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?$|^\d{1,2}[-/.]\d{1,2}[-/.]\d{4}$")


def _header_tokens(header: str) -> list[str]:
    spaced = re.sub(r"([a-z])([A-Z])", r"\1_\2", header.strip())
    return [t for t in re.split(r"[^a-z0-9]+", spaced.lower()) if t]


def _looks_direct(values: Sequence[str]) -> bool:
    """Most non-empty sample values are e-mail addresses or phone numbers (not dates)."""
    present = [v.strip() for v in values if v and v.strip()]
    if not present:
        return False
    def direct(v: str) -> bool:
        if _EMAIL.match(v):
            return True
        digits = sum(ch.isdigit() for ch in v)
        return bool(_PHONE.match(v)) and digits >= 9 and not _DATE_SHAPE.match(v)
    return sum(direct(v) for v in present) >= 0.6 * len(present)


def suggest_role(header: str, sample_values: Sequence[str]) -> ColumnRole:
    """Suggest a role from header keywords, then from the shape of sample values.

    Values that look like e-mail addresses or phone numbers make a column a direct identifier
    whatever its header says. A privacy officer confirms the suggestion.
    """
    if _looks_direct(sample_values):
        return ColumnRole.DIRECT_IDENTIFIER
    tokens = _header_tokens(header)
    joined = "_".join(tokens)
    for role, words, fragments in _ROLE_WORDS:
        if any(t in words for t in tokens) or any(f in joined for f in fragments):
            return role
    return ColumnRole.INSENSITIVE


# --- encoding and equivalence classes -----------------------------------------------------------

def _frame(data: Table) -> pd.DataFrame:
    return data if isinstance(data, pd.DataFrame) else pd.DataFrame(dict(data))


@dataclass(frozen=True, slots=True)
class _Encoded:
    """A column as integer codes into its distinct values, with the count of each value."""

    codes: IntArray
    values: tuple[str, ...]
    counts: IntArray


def _encode(column: pd.Series[Any]) -> _Encoded:
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    values = tuple("" if pd.isna(v) else str(v) for v in uniques)
    codes64 = np.asarray(codes, dtype=np.int64)
    return _Encoded(codes64, values, np.bincount(codes64, minlength=len(values)))


def _compact(key: IntArray, card: int) -> tuple[IntArray, IntArray]:
    """Dense ids 0..C-1 for the distinct keys, and how many records hold each."""
    if card <= max(4 * len(key), 1 << 16):
        counts = np.bincount(key, minlength=card)
        present = counts > 0
        remap = np.cumsum(present, dtype=np.int64) - 1
        return remap[key], counts[present]
    ids, _ = pd.factorize(key)
    ids64 = np.asarray(ids, dtype=np.int64)
    return ids64, np.bincount(ids64)


def _classes(parts: Sequence[tuple[IntArray, int]], n: int) -> tuple[IntArray, IntArray]:
    """Equivalence class id per record and class sizes for combined (codes, cardinality)."""
    if not parts:
        return np.zeros(n, dtype=np.int64), np.array([n] if n else [], dtype=np.int64)
    key, card = parts[0]
    for codes, size in parts[1:]:
        if card * size >= 1 << 62:
            key, sizes = _compact(key, card)
            card = len(sizes)
        key = key * size + codes
        card *= size
    return _compact(key, card)


@dataclass(frozen=True, slots=True)
class _Pairs:
    """Distinct (class, sensitive value) pairs with their record counts."""

    cls: IntArray
    value: IntArray
    count: IntArray


def _pairs(ids: IntArray, classes: int, codes: IntArray, card: int) -> _Pairs:
    key = ids * card + codes
    if classes * card <= max(4 * len(key), 1 << 16):
        counts = np.bincount(key, minlength=classes * card)
        present = np.flatnonzero(counts).astype(np.int64)
        return _Pairs(present // card, present % card, counts[present])
    uniq_ids, uniques = pd.factorize(key)
    keys = np.asarray(uniques, dtype=np.int64)
    counts = np.bincount(np.asarray(uniq_ids, dtype=np.int64), minlength=len(keys))
    return _Pairs(keys // card, keys % card, counts)


def _distinct_per_class(pairs: _Pairs, classes: int) -> IntArray:
    return np.bincount(pairs.cls, minlength=classes)


def _t_closeness(pairs: _Pairs, sizes: IntArray, overall: FloatArray) -> float:
    """Max over classes of 0.5 * sum_s |p(s | class) - p(s)|, summing absent values as p(s)."""
    p_class = pairs.count / sizes[pairs.cls]
    p_all = overall[pairs.value]
    per_class = np.bincount(pairs.cls, weights=np.abs(p_class - p_all) - p_all,
                            minlength=len(sizes))
    return float(np.max(0.5 * (1.0 + per_class))) if len(sizes) else 0.0


# --- risk metrics -------------------------------------------------------------------------------

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


def _report(ids: IntArray, sizes: IntArray, sensitive: Sequence[tuple[str, _Encoded]],
            t_attribute: str | None) -> RiskReport:
    n, classes = int(sizes.sum()), len(sizes)
    if n == 0:
        return RiskReport(0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    uniques = int(np.count_nonzero(sizes == 1))
    k = int(sizes.min())
    l_values: list[tuple[str, int]] = []
    t_value: float | None = None
    for name, enc in sensitive:
        pairs = _pairs(ids, classes, enc.codes, len(enc.values))
        l_values.append((name, int(_distinct_per_class(pairs, classes).min())))
        if name == t_attribute:
            overall = np.bincount(enc.codes, minlength=len(enc.values)) / n
            t_value = _t_closeness(pairs, sizes, overall)
    average = classes / n
    return RiskReport(
        records=n, classes=classes, k=k, uniques=uniques, unique_share=uniques / n,
        prosecutor_max=1.0 / k, prosecutor_avg=average,
        journalist_max=1.0 / k, journalist_avg=average, marketer=average,
        l_diversity=tuple(l_values), t_closeness=t_value,
        t_attribute=t_attribute if t_value is not None else None)


def risk_metrics(data: Table, quasi: Sequence[str], sensitive: Sequence[str] = (), *,
                 t_attribute: str | None = None) -> RiskReport:
    """Risk of `data` (columns mapping or DataFrame) over `quasi`; l per `sensitive` column.

    t-closeness is measured for `t_attribute`, by default the first sensitive column.
    """
    frame = _frame(data)
    encoded = [_encode(frame[c]) for c in quasi]
    ids, sizes = _classes([(e.codes, len(e.values)) for e in encoded], len(frame))
    sens = [(c, _encode(frame[c])) for c in sensitive]
    target = t_attribute if t_attribute is not None else (sensitive[0] if sensitive else None)
    return _report(ids, sizes, sens, target)


# --- generalization hierarchies -----------------------------------------------------------------

_ISO_DATE = re.compile(r"^\s*(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?")


def _date_levels(value: str) -> tuple[str, ...]:
    match = _ISO_DATE.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return (value, SUPPRESSED, SUPPRESSED, SUPPRESSED, SUPPRESSED)
    year, month = match.group(1), int(match.group(2))
    quarter = (month - 1) // 3 + 1
    return (value, f"{year}-{month:02d}", f"{year}-Q{quarter}", year, SUPPRESSED)


def _band(value: str, width: int) -> str:
    try:
        number = float(value)
    except ValueError:
        return SUPPRESSED
    if not math.isfinite(number):
        return SUPPRESSED
    low = math.floor(number / width) * width
    if number.is_integer():
        return f"{low}-{low + width - 1}"
    return f"[{low}, {low + width})"


@dataclass(frozen=True, slots=True)
class Hierarchy:
    """A generalization hierarchy: level 0 is the value itself, the last level is "*".

    - date: day -> month (YYYY-MM) -> quarter (YYYY-Qn) -> year -> "*"; values that are not
      ISO-like dates become "*" from level 1.
    - number: value -> bands of `bands` widths (5, 10, 20 by default) -> "*".
    - postcode: drop one trailing character per level ("SW1A 1*"), until "*".
    - category: values rarer than each share in `thresholds` become "Other", then "*".
    """

    kind: str
    bands: tuple[int, ...] = (5, 10, 20)
    thresholds: tuple[float, ...] = (0.01, 0.05)

    def levels(self, values: Sequence[str], counts: Sequence[int] | None = None,
               ) -> tuple[tuple[str, ...], ...]:
        """Labels per level for each of the distinct `values` (counts are for categories)."""
        if self.kind == "date":
            per_value = [_date_levels(v) for v in values]
            return tuple(tuple(row[i] for row in per_value) for i in range(5))
        if self.kind == "number":
            banded = tuple(tuple(_band(v, w) for v in values) for w in self.bands)
            return (tuple(values), *banded, tuple(SUPPRESSED for _ in values))
        if self.kind == "postcode":
            return _postcode_levels(values)
        if self.kind == "category":
            weights = list(counts) if counts is not None else [1] * len(values)
            total = sum(weights) or 1
            levels = [tuple(values)]
            for share in self.thresholds:
                levels.append(tuple(v if c / total >= share else "Other"
                                    for v, c in zip(values, weights, strict=True)))
            levels.append(tuple(SUPPRESSED for _ in values))
            return tuple(levels)
        raise ValueError(f"unknown hierarchy kind {self.kind!r}")

    def level_names(self, depth: int) -> tuple[str, ...]:
        """Readable names for `depth` levels, for manifests."""
        if self.kind == "date":
            return ("day", "month", "quarter", "year", SUPPRESSED)
        if self.kind == "number":
            return ("value", *(f"bands of {w}" for w in self.bands), SUPPRESSED)
        if self.kind == "category":
            rare = tuple(f"under {s:.0%} -> Other" for s in self.thresholds)
            return ("value", *rare, SUPPRESSED)
        return ("value", *(f"drop {i}" for i in range(1, depth - 1)), SUPPRESSED)


def _postcode_levels(values: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    cleaned = [v.strip().upper() for v in values]
    depth = max((len(v) for v in cleaned), default=0) + 1
    levels = [tuple(values)]
    for drop in range(1, max(depth - 1, 1)):
        level = tuple(v[: len(v) - drop].rstrip() + "*" if len(v) > drop else SUPPRESSED
                      for v in cleaned)
        if level != levels[-1]:  # dropping a space changes nothing
            levels.append(level)
    levels.append(tuple(SUPPRESSED for _ in values))
    return tuple(levels)


HIERARCHY_KINDS = ("date", "number", "postcode", "category")


def hierarchy_for(kind: str) -> Hierarchy:
    """The default hierarchy for a kind: date, number (or age), postcode (or zip), category."""
    aliases = {"age": "number", "zip": "postcode", "categorical": "category"}
    name = aliases.get(kind, kind)
    if name not in HIERARCHY_KINDS:
        raise ValueError(f"unknown hierarchy kind {kind!r}; expected one of {HIERARCHY_KINDS}")
    return Hierarchy(name)


# --- full-domain generalization search ----------------------------------------------------------

class TargetUnreachable(Exception):
    """No generalization within the allowed levels and suppression budget reaches k (and l)."""


@dataclass(frozen=True, slots=True)
class _QiColumn:
    """A quasi-identifier prepared for the search: per level, a map from distinct-value code to
    generalized code, the generalized labels, and each distinct value's entropy loss in bits."""

    name: str
    hierarchy: Hierarchy
    enc: _Encoded
    maps: tuple[IntArray, ...]
    cards: tuple[int, ...]
    labels: tuple[npt.NDArray[np.object_], ...]
    weights: tuple[FloatArray, ...]
    top_weight: FloatArray
    loss: tuple[float, ...]

    def codes_at(self, level: int) -> IntArray:
        return self.enc.codes if level == 0 else self.maps[level][self.enc.codes]


def _qi_column(name: str, series: pd.Series[Any], hierarchy: Hierarchy) -> _QiColumn:
    enc = _encode(series)
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
    sensitive: tuple[tuple[str, _Encoded], ...]
    n: int
    k: int
    l: int | None  # noqa: E741
    limit: int

    def evaluate(self, node: Sequence[int]) -> _Outcome:
        parts = [(c.codes_at(lv), c.cards[lv]) for c, lv in zip(self.columns, node, strict=True)]
        ids, sizes = _classes(parts, self.n)
        failing = sizes < self.k
        if self.l is not None:
            for _, enc in self.sensitive:
                pairs = _pairs(ids, len(sizes), enc.codes, len(enc.values))
                failing |= _distinct_per_class(pairs, len(sizes)) < self.l
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
    frame = _frame(data)
    n = len(frame)
    columns = tuple(
        _qi_column(name, frame[name], h if isinstance(h, Hierarchy) else hierarchy_for(h))
        for name, h in quasi.items())
    problem = _Problem(columns, tuple((c, _encode(frame[c])) for c in sensitive), n, k, l,
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
    target = t_attribute if t_attribute is not None else (sens_names[0] if sens_names else None)
    bottom = problem.evaluate(tuple(0 for _ in problem.columns))
    before = _report(bottom.ids, bottom.sizes, problem.sensitive, target)
    keep = ~best.failing[best.ids]
    remap = np.cumsum(~best.failing, dtype=np.int64) - 1
    kept_sens = tuple((name, _Encoded(enc.codes[keep], enc.values, enc.counts))
                      for name, enc in problem.sensitive)
    after = _report(remap[best.ids[keep]], best.sizes[~best.failing], kept_sens, target)
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


# --- differentially private aggregates ----------------------------------------------------------

class BudgetExceeded(Exception):
    """A release would take a dataset's spent privacy loss past the policy's total epsilon."""


def budget_check(spent: float, request: float, total: float) -> None:
    """Refuse a release of `request` epsilon when `spent + request` would exceed `total`."""
    if not (math.isfinite(request) and request > 0):
        raise ValueError("a release must request a positive, finite epsilon")
    if spent < 0 or total < 0:
        raise ValueError("spent and total epsilon cannot be negative")
    if spent + request > total + 1e-12:
        raise BudgetExceeded(
            f"release needs epsilon {request:g} but {spent:g} of the total {total:g} is spent; "
            f"{max(total - spent, 0.0):g} remains")


def _numbers(values: Sequence[Any], bounds: tuple[float, float]) -> list[float]:
    """Floats within bounds; values that are not numbers are imputed with the bounds' midpoint."""
    low, high = bounds
    out = []
    for value in values:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        out.append(min(max(number, low), high) if math.isfinite(number) else (low + high) / 2)
    return out


def dp_aggregates(data: Table, group_by: str, value: str | None, epsilon: float,
                  bounds: tuple[float, float] = (0.0, 1.0), *,
                  categories: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Noisy count (and mean of `value` clamped to `bounds`) per category of `group_by`, released
    through OpenDP under epsilon-DP with one record per person (add/remove neighbours).

    Counts use `make_count_by_categories` with the Laplace mechanism. With `value`, epsilon is
    split evenly between counts and sums; each category's sum is a clamped bounded-sum Laplace
    measurement over that category's records, and as categories partition the records the sums
    together cost their share once (parallel composition). Means are noisy sum / noisy count,
    clamped to bounds, or None when the noisy count is below 1.

    `categories` should be public (from the policy or schema). When omitted they are read from
    the data, which reveals which categories occur: pass them whenever they are known.
    """
    import opendp.prelude as dp

    dp.enable_features("contrib")
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError("epsilon must be positive and finite")
    frame = _frame(data)
    labels = ["" if pd.isna(v) else str(v) for v in frame[group_by].tolist()]
    keys = list(categories) if categories is not None else sorted(set(labels))
    share = epsilon / 2 if value is not None else epsilon
    counter = dp.t.make_count_by_categories(
        dp.vector_domain(dp.atom_domain(T=str)), dp.symmetric_distance(), categories=keys,
        null_category=False)
    count_scale = dp.binary_search_param(lambda s: counter >> dp.m.then_laplace(s), 1, share)
    counts = (counter >> dp.m.then_laplace(count_scale))(labels)
    rows: list[dict[str, Any]] = [
        {"category": key, "count": int(count), "epsilon": epsilon}
        for key, count in zip(keys, counts, strict=True)]
    if value is None:
        return rows
    space = (dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance())

    def summer(scale: float) -> Any:
        summed = space >> dp.t.then_clamp(bounds) >> dp.t.then_sum()  # type: ignore[no-untyped-call]
        return summed >> dp.m.then_laplace(scale)

    sum_scale = dp.binary_search_param(summer, 1, share)
    measurement = summer(sum_scale)
    numbers = _numbers(frame[value].tolist(), bounds)
    groups: dict[str, list[float]] = {key: [] for key in keys}
    for label, number in zip(labels, numbers, strict=True):
        if label in groups:
            groups[label].append(number)
    for row in rows:
        noisy_sum = float(measurement(groups[row["category"]]))
        count = row["count"]
        row["mean"] = min(max(noisy_sum / count, bounds[0]), bounds[1]) if count >= 1 else None
    return rows
