"""benchmarks/learning_curve.py on the project's own Faker corpus: the loop runs end to end
through the review services and the held-out leak rate does not get worse."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def test_learning_curve_on_the_faker_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from learning_curve import main

    result = main([str(ROOT / "tests/fixtures/tickets.jsonl"), "--rounds", "2", "--limit", "90"])
    rounds = result["rounds"]
    assert isinstance(rounds, list) and len(rounds) == 3
    for r in rounds:
        assert 0 <= r["leak"] <= 1 and 0 <= r["precision"] <= 1
    assert rounds[-1]["leak"] <= rounds[0]["leak"]
    assert capsys.readouterr().out.strip().splitlines()[-1].startswith('{"rounds": [')
