"""The house plan, checked: module and function sizes, and no function-local import without a
comment saying why. (The import contracts themselves run as `lint-imports` in `make test`.)"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("anonymizer", "review", "audit", "config", "benchmarks")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def sources() -> list[Path]:
    found = [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    assert len(found) > 50, "the walk must see the tree"
    return found


def functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_modules_stay_small(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{lines} lines: split it by topic"


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_functions_stay_short(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    long = [
        f"{f.name} ({f.end_lineno - f.lineno + 1} lines, line {f.lineno})"
        for f in functions(tree)
        if f.end_lineno is not None and f.end_lineno - f.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"functions over {MAX_FUNCTION_LINES} lines: {long}"


def local_imports_without_reason(source: str) -> list[int]:
    """Line numbers of imports inside functions with no comment saying why (start-up cost, a
    real cycle-free reason): on the import's line, or just above its block of imports."""
    lines = source.splitlines()
    bare = []
    for function in functions(ast.parse(source)):
        imports = [n for n in ast.walk(function) if isinstance(n, ast.Import | ast.ImportFrom)]
        covered = {i for n in imports for i in range(n.lineno, (n.end_lineno or n.lineno) + 1)}
        for node in imports:
            above = node.lineno - 1
            while above in covered:
                above -= 1
            if "#" not in lines[node.lineno - 1] and not (
                above >= 1 and lines[above - 1].strip().startswith("#")
            ):
                bare.append(node.lineno)
    return bare


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_function_local_imports_say_why(path: Path) -> None:
    assert not local_imports_without_reason(path.read_text(encoding="utf-8"))


def test_the_import_check_itself_finds_a_bare_local_import() -> None:
    bare = "def f():\n    import json\n    return json\n"
    why = "def f():\n    # slow to import, say\n    import json\n    import re\n"
    late = "def f():\n    # a comment\n    x = 1\n    import json\n"
    assert local_imports_without_reason(bare) == [2]
    assert local_imports_without_reason(why) == []
    assert local_imports_without_reason(late) == [4]
