"""benchmarks/lists.py run small: it builds its data, times every list page as each role, and
ends with one JSON line of p95 figures."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_the_lists_benchmark_runs_small(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from lists import main

    args = ["--records", "2000", "--batches", "6", "--baseline-records", "300"]
    result = main([*args, "--baseline-batches", "2", "--requests", "2"])
    last = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert last == result
    assert last["batches"] == 6 and last["records"] == 2000
    assert last["rows"]["records"] == 2000 and last["rows"]["batches"] == 6
    assert last["rows"]["review_items"] > 0 and last["rows"]["audit_events"] > 0
    assert last["rows"]["exports"] >= 6
    names = {"batches.first", "records.deep", "escalations.filtered", "audit.deep"}
    assert names <= set(last["pages"]) and set(last["pages"]) == set(last["baseline"]["pages"])
    assert all(isinstance(v, float) and v > 0 for v in last["pages"].values())
    assert last["max_p95_ms"] == max(last["pages"].values())
