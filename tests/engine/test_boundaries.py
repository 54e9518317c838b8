"""The engine is plain Python: importing all of it must not import Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
MODULES = ("addresses", "analyzer", "evaluation", "jsonl", "labels", "merge", "names", "orgs",
           "recognizers", "risk", "ruleset", "signatures", "synth", "textscan", "types",
           "validators")


def test_engine_imports_no_django() -> None:
    imports = "; ".join(f"import anonymizer.engine.{m}" for m in MODULES)
    code = f"{imports}; import sys; assert 'django' not in sys.modules, 'django imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
