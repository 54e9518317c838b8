"""benchmarks/export.py runs end to end on a small batch and ends with its JSON figures."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_the_export_benchmark_prints_its_figures_last() -> None:
    # Its own process against the services' database (DATABASE_URL), as it is run by hand;
    # a fresh seed, so that its users and policies are new in a database used before.
    seed = str(random.randrange(10**6, 10**7))
    done = subprocess.run(
        [sys.executable, "benchmarks/export.py", "--records", "500",
         "--baseline-sample", "100", "--seed", seed],
        cwd=ROOT, env={**os.environ, "VEIL_DEV": "1"}, capture_output=True, text=True,
        timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["records"] == 500
    assert figures["baseline_records"] == 100
    for name in ("records_per_s", "baseline_records_per_s", "ratio", "seconds"):
        assert figures[name] > 0, name
    assert 0 < figures["exported"] < 500  # one in twenty records is still waiting for review
    assert figures["operators"] == ["generalize", "keep", "mask", "pseudonymize", "redact",
                                    "replace", "surrogate"]
    assert figures["vault_entries"] >= figures["exported"]  # every exported id, and names
