"""Differentially private aggregates over a structured column, and the privacy-budget check."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from anonymizer.engine.tabular.encoding import Table, as_frame


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
    # OpenDP maps a 260 MB native library (about 16 MB resident): only a DP release needs it.
    import opendp.prelude as dp

    dp.enable_features("contrib")
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError("epsilon must be positive and finite")
    frame = as_frame(data)
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
