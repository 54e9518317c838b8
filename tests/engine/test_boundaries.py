"""The engine is plain Python: importing all of it must not import Django."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
ENGINE = ROOT / "anonymizer" / "engine"


def engine_modules() -> list[str]:
    """Every module and package of anonymizer/engine, subpackages included, read from the tree."""
    names = []
    for path in sorted(ENGINE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_engine_modules_are_read_from_the_tree() -> None:
    modules = engine_modules()
    assert {"anonymizer.engine.transform", "anonymizer.engine.tabular",
            "anonymizer.engine.tabular.dp"} <= set(modules)


def test_engine_imports_no_django() -> None:
    imports = "; ".join(f"import {m}" for m in engine_modules())
    code = f"{imports}; import sys; assert 'django' not in sys.modules, 'django imported'"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
