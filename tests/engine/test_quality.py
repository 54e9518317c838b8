"""Quality on our own Faker-made fixture (tests/fixtures/tickets.jsonl), with some margin
below what the engine reaches, so a regression in any recognizer shows up here."""

from __future__ import annotations

from pathlib import Path

import pytest

from anonymizer.engine.analyzer import Analyzer, detect_many
from anonymizer.engine.evaluation import EvalReport, evaluate, load_gold

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "tickets.jsonl"


@pytest.fixture(scope="module")
def report(analyzer: Analyzer) -> EvalReport:
    with FIXTURE.open(encoding="utf-8") as handle:
        docs = load_gold(handle)
    return evaluate(docs, list(detect_many([d.text for d in docs], analyzer=analyzer)))


def test_leak_rate(report: EvalReport) -> None:
    assert report.leak_rate <= 0.02  # reached: 0.6 %


def test_character_precision(report: EvalReport) -> None:
    assert report.char_precision >= 0.90  # reached: 0.93


@pytest.mark.parametrize(("label", "recall"), [
    ("EMAIL_ADDRESS", 0.99), ("PHONE_NUMBER", 0.97), ("CREDIT_CARD", 0.99),
    ("IBAN_CODE", 0.85), ("US_SSN", 0.99), ("IP_ADDRESS", 0.99), ("URL", 0.99),
    ("AGE", 0.95), ("PERSON", 0.9), ("ID", 0.9), ("LOCATION", 0.9),
])
def test_recall_per_type(report: EvalReport, label: str, recall: float) -> None:
    assert report.per_entity[label].recall >= recall
