"""Benchmark: risk metrics and a generalization search to k = 10 over 1M rows, 5 quasi-ids.

Run: .venv/bin/python benchmarks/tabular.py [--rows N] [--k K] [--budget SHARE]
The last line printed is one JSON object with the figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from anonymizer.engine.tabular import generalize_search, risk_metrics  # noqa: E402

QUASI = {"postcode": "postcode", "birth_date": "date", "gender": "category",
         "city": "category", "plan": "category"}


def make_table(rows: int, seed: int = 8) -> pd.DataFrame:
    """Skewed synthetic support export: postcode within city, birth dates 1940-2005."""
    rng = np.random.default_rng(seed)
    cities = np.array([f"City{i:02d}" for i in range(60)], dtype=object)
    city_p = 1.0 / np.arange(1, 61)
    city_idx = rng.choice(60, size=rows, p=city_p / city_p.sum())
    district = rng.integers(0, 40, size=rows)
    street = rng.zipf(1.6, size=rows) % 100
    postcode_num = (city_idx * 40 + district) * 100 + street
    postcodes = np.array([f"{i:06d}" for i in range(60 * 40 * 100)], dtype=object)
    days = np.arange(np.datetime64("1940-01-01"), np.datetime64("2006-01-01"))
    day_labels = np.array(np.datetime_as_string(days, unit="D"), dtype=object)
    genders = np.array(["F", "M", "X"], dtype=object)
    plans = np.array(["free", "basic", "pro", "enterprise"], dtype=object)
    complaints = np.array([f"complaint-{i}" for i in range(12)], dtype=object)
    return pd.DataFrame({
        "postcode": postcodes[postcode_num],
        "birth_date": day_labels[rng.integers(0, len(days), size=rows)],
        "gender": genders[rng.choice(3, size=rows, p=[0.49, 0.49, 0.02])],
        "city": cities[city_idx],
        "plan": plans[rng.choice(4, size=rows, p=[0.5, 0.3, 0.15, 0.05])],
        "complaint": complaints[rng.integers(0, 12, size=rows)],
    })


def naive_metrics(table: pd.DataFrame, quasi: list[str], sensitive: str) -> tuple[int, int, float]:
    """Baseline: the same k, l and t-closeness with pure-Python dict counts."""
    columns = [table[c].tolist() for c in quasi]
    classes: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    for key, value in zip(zip(*columns, strict=True), table[sensitive].tolist(), strict=True):
        classes[key][value] += 1
    n = len(table)
    overall = Counter(table[sensitive].tolist())
    k = min(sum(c.values()) for c in classes.values())
    l_value = min(len(c) for c in classes.values())
    t_value = 0.0
    for counts in classes.values():
        size = sum(counts.values())
        distance = sum(abs(counts[v] / size - overall[v] / n) for v in overall)
        t_value = max(t_value, 0.5 * distance)
    return k, l_value, t_value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--budget", type=float, default=0.05)
    args = parser.parse_args()

    started = time.perf_counter()
    table = make_table(args.rows)
    generate_s = time.perf_counter() - started
    quasi = list(QUASI)

    started = time.perf_counter()
    report = risk_metrics(table, quasi, ["complaint"])
    risk_s = time.perf_counter() - started

    started = time.perf_counter()
    baseline = naive_metrics(table, quasi, "complaint")
    baseline_s = time.perf_counter() - started
    assert baseline[:2] == (report.k, dict(report.l_diversity)["complaint"])
    assert abs(baseline[2] - (report.t_closeness or 0.0)) < 1e-9

    started = time.perf_counter()
    result = generalize_search(table, QUASI, args.k, None, ["complaint"], args.budget)
    generalize_s = time.perf_counter() - started

    print(f"generated {args.rows} rows in {generate_s:.2f}s")
    print(f"risk metrics: {risk_s:.2f}s (k={report.k}, classes={report.classes}, "
          f"unique share={report.unique_share:.3f})")
    print(f"baseline pure-Python k, l, t: {baseline_s:.2f}s "
          f"({baseline_s / risk_s:.1f}x slower than risk_metrics)")
    print(f"search: {generalize_s:.2f}s, {result.evaluated} of {result.lattice_size} nodes "
          f"evaluated, levels {dict(result.level_names)}")
    print(json.dumps({
        "rows": args.rows, "risk_s": round(risk_s, 3), "generalize_s": round(generalize_s, 3),
        "baseline_python_risk_s": round(baseline_s, 3),
        "baseline_ratio": round(baseline_s / risk_s, 2),
        "k_before": report.k, "k_target": args.k, "k_achieved": result.k,
        "suppression_budget": args.budget, "suppressed_share": round(result.suppressed_share, 4),
        "generalized_cell_share": round(result.generalized_cell_share, 4),
        "information_loss": round(result.information_loss, 4),
        "levels": dict(result.levels), "lattice_size": result.lattice_size,
        "evaluated": result.evaluated,
        "prosecutor_max_after": result.risk_after.prosecutor_max,
    }))


if __name__ == "__main__":
    main()
