"""What a release keeps of the data's use: the privacy-utility report's figures.

An export that is safe but useless helps no one, and an officer signing off an AI project needs
to know the price of each policy. This module measures it, the same way for every export:

- task accuracy: one simple, standard classifier (TF-IDF word and bigram features, logistic
  regression, stratified k-fold cross-validation, scikit-learn) trained on the raw text and,
  with the same folds, on the transformed text, for a label the admin picks; the ratio of the
  two says how much of the text's signal the policy kept;
- the share of characters changed;
- for structured columns, statistical fidelity per column (total variation distance between
  the raw and released value distributions; for numbers, the Wasserstein distance over the
  raw range as well) and the change of the columns' pairwise correlations;
- the relative error of a standard set of queries (the count of each frequent value of each
  categorical column, the mean of each numeric column);
- for differentially private releases, the expected absolute error of each noisy count.

Generalized cells are read the way an analyst would: a range "30-39" as its midpoint, a
suppressed cell ("*", empty) as missing.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MIN_PER_CLASS = 2
TOP_VALUES = 10
_RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*[-–]\s*(-?\d+(?:\.\d+)?)\s*$")
_NUMBER = re.compile(r"^\s*-?\d+(?:\.\d+)?\s*$")
_SUPPRESSED = frozenset({"", "*", "**", "***", "[redacted]", "null", "none"})


@dataclass(frozen=True)
class TaskAccuracy:
    raw: float
    transformed: float
    folds: int
    records: int
    classes: int

    @property
    def kept(self) -> float:
        """Transformed accuracy as a share of raw accuracy (1.0: nothing lost)."""
        return self.transformed / self.raw if self.raw else 0.0


def task_accuracy(
    raw_texts: Sequence[str], transformed_texts: Sequence[str], labels: Sequence[str],
    *, folds: int = 5, seed: int = 0,
) -> TaskAccuracy:
    """Cross-validated accuracy of TF-IDF + logistic regression on raw and on transformed
    text, with the same stratified folds. Classes with fewer than MIN_PER_CLASS records are
    left out (they cannot be in both a training and a test fold); at least two classes must
    remain, else ValueError."""
    # scikit-learn takes about a second to import: only the report pays for it.
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline

    if not len(raw_texts) == len(transformed_texts) == len(labels):
        raise ValueError("raw texts, transformed texts and labels must be as many")
    counts = Counter(labels)
    keep = [i for i, label in enumerate(labels) if counts[label] >= MIN_PER_CLASS]
    classes = {labels[i] for i in keep}
    if len(classes) < 2:
        raise ValueError("the label needs at least two values with two records each")
    k = max(2, min(folds, min(counts[c] for c in classes)))
    y = [labels[i] for i in keep]
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)

    def score(texts: Sequence[str]) -> float:
        model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True),
            LogisticRegression(max_iter=2000),
        )
        docs = [texts[i] for i in keep]
        return float(cross_val_score(model, docs, y, cv=splitter, scoring="accuracy").mean())

    return TaskAccuracy(score(raw_texts), score(transformed_texts), k, len(keep), len(classes))


def chars_changed_share(originals: Sequence[str], changed_chars: Sequence[int]) -> float:
    """Characters a transformation replaced, as a share of all original characters."""
    total = sum(len(t) for t in originals)
    return sum(changed_chars) / total if total else 0.0


def _number(value: Any) -> float | None:
    """A cell as a number: a plain number, or the midpoint of a generalized range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    text = str(value)
    if _NUMBER.match(text):
        return float(text)
    m = _RANGE.match(text)
    if m:
        return (float(m.group(1)) + float(m.group(2))) / 2
    return None


def _present(value: Any) -> bool:
    return value is not None and str(value).strip().casefold() not in _SUPPRESSED


def _numeric(rows: Sequence[Mapping[str, Any]], column: str) -> bool:
    values = [r.get(column) for r in rows if _present(r.get(column))]
    return bool(values) and all(_number(v) is not None for v in values)


def _tvd(a: Counter[str], b: Counter[str]) -> float:
    na, nb = sum(a.values()), sum(b.values())
    if not na or not nb:
        return 1.0 if na != nb else 0.0
    return 0.5 * sum(abs(a[k] / na - b[k] / nb) for k in a.keys() | b.keys())


def _wasserstein(a: list[float], b: list[float]) -> float:
    """Earth mover's distance between two samples, over the first sample's range (0..1)."""
    from scipy.stats import wasserstein_distance  # as sklearn above: loaded when needed

    if not a or not b:
        return 1.0 if a != b else 0.0
    spread = (max(a) - min(a)) or 1.0
    return float(wasserstein_distance(a, b)) / spread


@dataclass
class ColumnFidelity:
    column: str
    kind: str  # "numeric" or "categorical"
    distribution_distance: float  # total variation distance, 0 same .. 1 disjoint
    wasserstein: float | None = None  # numeric columns: over the raw range
    suppressed_share: float = 0.0


def column_fidelity(
    raw: Sequence[Mapping[str, Any]], released: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
) -> list[ColumnFidelity]:
    out = []
    for column in columns:
        raw_values = [r.get(column) for r in raw]
        rel_values = [r.get(column) for r in released]
        suppressed = sum(1 for v in rel_values if not _present(v)) / max(len(rel_values), 1)
        if _numeric(raw, column):
            a = [x for v in raw_values if (x := _number(v)) is not None]
            b = [x for v in rel_values if _present(v) and (x := _number(v)) is not None]
            tvd = _tvd(Counter(str(v) for v in raw_values), Counter(str(v) for v in rel_values))
            out.append(ColumnFidelity(column, "numeric", round(tvd, 4),
                                      round(_wasserstein(a, b), 4), round(suppressed, 4)))
        else:
            a_counts = Counter(str(v) for v in raw_values if _present(v))
            b_counts = Counter(str(v) for v in rel_values if _present(v))
            out.append(ColumnFidelity(column, "categorical", round(_tvd(a_counts, b_counts), 4),
                                      None, round(suppressed, 4)))
    return out


def correlation_change(
    raw: Sequence[Mapping[str, Any]], released: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
) -> float | None:
    """Mean absolute change of the Pearson correlations between pairs of numeric columns
    (generalized ranges read as midpoints, pairs with a missing cell left out); None when
    fewer than two numeric columns."""
    numeric = [c for c in columns if _numeric(raw, c)]
    if len(numeric) < 2:
        return None
    changes = []
    for i, x in enumerate(numeric):
        for y in numeric[i + 1:]:
            before, after = _pearson(raw, x, y), _pearson(released, x, y)
            if before is not None:
                changes.append(abs(before - (after if after is not None else 0.0)))
    return round(sum(changes) / len(changes), 4) if changes else None


def _pearson(rows: Sequence[Mapping[str, Any]], x: str, y: str) -> float | None:
    pairs = [(a, b) for r in rows
             if (a := _number(r.get(x))) is not None and (b := _number(r.get(y))) is not None]
    if len(pairs) < 3:
        return None
    mx = sum(a for a, _ in pairs) / len(pairs)
    my = sum(b for _, b in pairs) / len(pairs)
    sxy = sum((a - mx) * (b - my) for a, b in pairs)
    sx = math.sqrt(sum((a - mx) ** 2 for a, _ in pairs))
    sy = math.sqrt(sum((b - my) ** 2 for _, b in pairs))
    return sxy / (sx * sy) if sx and sy else None


@dataclass
class QueryError:
    query: str
    raw: float
    released: float

    @property
    def relative_error(self) -> float:
        return abs(self.released - self.raw) / max(abs(self.raw), 1.0)


def standard_queries(
    raw: Sequence[Mapping[str, Any]], released: Sequence[Mapping[str, Any]],
    columns: Sequence[str],
) -> list[QueryError]:
    """COUNT(*) WHERE column = value for the TOP_VALUES most frequent raw values of each
    categorical column, and AVG(column) for each numeric column, on both tables."""
    out: list[QueryError] = []
    for column in columns:
        if _numeric(raw, column):
            a = [x for r in raw if (x := _number(r.get(column))) is not None]
            b = [x for r in released if (x := _number(r.get(column))) is not None]
            if a:
                out.append(QueryError(f"avg({column})", sum(a) / len(a),
                                      sum(b) / len(b) if b else 0.0))
            continue
        raw_counts = Counter(str(r.get(column)) for r in raw if _present(r.get(column)))
        rel_counts = Counter(str(r.get(column)) for r in released if _present(r.get(column)))
        for value, count in raw_counts.most_common(TOP_VALUES):
            out.append(QueryError(f"count({column} = #{len(out)})", count, rel_counts[value]))
    return out


def laplace_expected_error(epsilon: float, sensitivity: float = 1.0) -> float:
    """Expected absolute error of a Laplace-noised count: sensitivity / epsilon."""
    if epsilon <= 0:
        raise ValueError("epsilon must be positive")
    return sensitivity / epsilon


@dataclass
class UtilityReport:
    task: TaskAccuracy | None
    chars_changed_share: float
    columns: list[ColumnFidelity] = field(default_factory=list)
    correlation_change: float | None = None
    queries: list[QueryError] = field(default_factory=list)
    dp_expected_error: float | None = None
    label: str = ""
    note: str = ""

    @property
    def query_relative_error(self) -> float | None:
        if not self.queries:
            return None
        return sum(q.relative_error for q in self.queries) / len(self.queries)

    def as_dict(self) -> dict[str, Any]:
        """The manifest's `utility` object. Query names never hold cell values (a value is
        named by its rank, #0 the most frequent)."""
        task = self.task
        return {
            "label": self.label,
            "task_accuracy_raw": round(task.raw, 4) if task else None,
            "task_accuracy_transformed": round(task.transformed, 4) if task else None,
            "task_accuracy_kept": round(task.kept, 4) if task else None,
            "task": {"model": "tfidf+logistic_regression", "folds": task.folds,
                     "records": task.records, "classes": task.classes} if task else None,
            "chars_changed_share": round(self.chars_changed_share, 4),
            "query_relative_error": (round(self.query_relative_error, 4)
                                     if self.query_relative_error is not None else None),
            "queries": [{"query": q.query, "relative_error": round(q.relative_error, 4)}
                        for q in self.queries],
            "columns": [vars(c) for c in self.columns],
            "correlation_change": self.correlation_change,
            "dp_expected_error": self.dp_expected_error,
            "note": self.note,
        }
