"""detect_file and evaluate_detection touch no database; they run as real subprocesses here,
so these tests need neither pytest-django nor a database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "tickets.jsonl"


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "VEIL_DEV": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_detect_file_then_evaluate(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()[:20]
    source.write_text("\n".join(
        json.dumps({"id": json.loads(x)["id"], "text": json.loads(x)["text"]}) for x in lines
    ) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = manage("detect_file", str(source), "--output", str(out))
    assert result.returncode == 0, result.stderr[-2000:]
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [json.loads(x)["id"] for x in lines]
    assert all(set(s) == {"start", "end", "label", "score", "recognizer"}
               for r in rows for s in r["spans"])
    assert sum(len(r["spans"]) for r in rows) > 100

    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = manage("evaluate_detection", str(gold), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "leak rate" in result.stdout
    figures = json.loads(result.stdout.splitlines()[-1])
    assert figures["ours"]["leak_rate"] < 0.1


def test_detect_file_names_the_bad_line_and_writes_nothing(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "fine"}\n{"id": 2, "text": "Jane Doe\n',
                      encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = manage("detect_file", str(source), "--output", str(out))
    assert result.returncode != 0
    assert "line 2" in result.stderr
    assert "Jane" not in result.stderr + result.stdout
    assert not out.exists()
