"""Generalization hierarchies: the levels a quasi-identifier's values can be coarsened through."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

SUPPRESSED = "*"
HIERARCHY_KINDS = ("date", "number", "postcode", "category")

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


def _suppressed(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(SUPPRESSED for _ in values)


def _postcode_levels(values: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    cleaned = [v.strip().upper() for v in values]
    depth = max((len(v) for v in cleaned), default=0) + 1
    levels = [tuple(values)]
    for drop in range(1, max(depth - 1, 1)):
        level = tuple(v[: len(v) - drop].rstrip() + "*" if len(v) > drop else SUPPRESSED
                      for v in cleaned)
        if level != levels[-1]:  # dropping a space changes nothing
            levels.append(level)
    levels.append(_suppressed(values))
    return tuple(levels)


def _category_levels(values: Sequence[str], counts: Sequence[int] | None,
                     thresholds: Sequence[float]) -> tuple[tuple[str, ...], ...]:
    weights = list(counts) if counts is not None else [1] * len(values)
    total = sum(weights) or 1
    levels = [tuple(values)]
    for share in thresholds:
        levels.append(tuple(v if c / total >= share else "Other"
                            for v, c in zip(values, weights, strict=True)))
    levels.append(_suppressed(values))
    return tuple(levels)


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
            return (tuple(values), *banded, _suppressed(values))
        if self.kind == "postcode":
            return _postcode_levels(values)
        if self.kind == "category":
            return _category_levels(values, counts, self.thresholds)
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


def hierarchy_for(kind: str) -> Hierarchy:
    """The default hierarchy for a kind: date, number (or age), postcode (or zip), category."""
    aliases = {"age": "number", "zip": "postcode", "categorical": "category"}
    name = aliases.get(kind, kind)
    if name not in HIERARCHY_KINDS:
        raise ValueError(f"unknown hierarchy kind {kind!r}; expected one of {HIERARCHY_KINDS}")
    return Hierarchy(name)
