"""Columns as integer codes, and the equivalence classes their combinations make.

Shared by the risk metrics and the generalization search: a column becomes codes into its
distinct values; a set of quasi-identifier columns becomes one class id per record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
Table: TypeAlias = "Mapping[str, Sequence[str]] | pd.DataFrame"


def as_frame(data: Table) -> pd.DataFrame:
    return data if isinstance(data, pd.DataFrame) else pd.DataFrame(dict(data))


@dataclass(frozen=True, slots=True)
class Encoded:
    """A column as integer codes into its distinct values, with the count of each value."""

    codes: IntArray
    values: tuple[str, ...]
    counts: IntArray


def encode(column: pd.Series[Any]) -> Encoded:
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    values = tuple("" if pd.isna(v) else str(v) for v in uniques)
    codes64 = np.asarray(codes, dtype=np.int64)
    return Encoded(codes64, values, np.bincount(codes64, minlength=len(values)))


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


def classes(parts: Sequence[tuple[IntArray, int]], n: int) -> tuple[IntArray, IntArray]:
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
class Pairs:
    """Distinct (class, sensitive value) pairs with their record counts."""

    cls: IntArray
    value: IntArray
    count: IntArray


def pairs(ids: IntArray, n_classes: int, codes: IntArray, card: int) -> Pairs:
    key = ids * card + codes
    if n_classes * card <= max(4 * len(key), 1 << 16):
        counts = np.bincount(key, minlength=n_classes * card)
        present = np.flatnonzero(counts).astype(np.int64)
        return Pairs(present // card, present % card, counts[present])
    uniq_ids, uniques = pd.factorize(key)
    keys = np.asarray(uniques, dtype=np.int64)
    counts = np.bincount(np.asarray(uniq_ids, dtype=np.int64), minlength=len(keys))
    return Pairs(keys // card, keys % card, counts)


def distinct_per_class(found: Pairs, n_classes: int) -> IntArray:
    """How many distinct sensitive values each class holds (distinct l-diversity per class)."""
    return np.bincount(found.cls, minlength=n_classes)
