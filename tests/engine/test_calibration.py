"""Risk calibration on labelled text: the auto-clear share against the leak per setting."""

from __future__ import annotations

from anonymizer.engine.calibration import CalibrationRow, calibrate, choose, settings_grid
from anonymizer.engine.evaluation import GoldDoc, GoldSpan
from anonymizer.engine.risk import RiskThresholds
from anonymizer.engine.types import SpanCandidate

CLEAN = "The app is slow today."
NAMED = "Please ask Wilhelmina about it: the app has been slow all week and nothing helped."


def docs() -> list[GoldDoc]:
    return [
        GoldDoc("a", CLEAN, ()),
        GoldDoc("b", NAMED, (GoldSpan(11, 21, "PERSON"),)),
    ]


def test_a_missed_name_in_an_auto_cleared_record_counts_as_a_leak() -> None:
    rows = calibrate(
        docs(), [[], []], [RiskThresholds()], data_class="internal", purpose="theme_analysis"
    )
    (row,) = rows
    assert row.records == 2 and row.auto_cleared == 2
    assert row.must_mask_in_auto_cleared == 1 and row.leaked == 1
    assert row.leak_in_auto_cleared == 1.0 and row.auto_cleared_share == 1.0


def test_a_detected_name_does_not_leak_and_hints_do_not_count_as_detections() -> None:
    found = SpanCandidate(11, 21, "PERSON", 0.95, "test")
    hint = SpanCandidate(11, 21, "PROPER_NOUN", 0.3, "test")
    grid = [RiskThresholds(max_risky_hints=99)]  # hints tolerated: the record auto-clears
    detected = calibrate(docs(), [[], [found]], grid, data_class="internal", purpose="x")[0]
    hinted = calibrate(docs(), [[], [hint]], grid, data_class="internal", purpose="x")[0]
    assert detected.auto_cleared == 2 and detected.leaked == 0
    assert hinted.auto_cleared == 2 and hinted.leaked == 1


def test_the_grid_varies_the_calibrated_fields_only() -> None:
    base = RiskThresholds(narrative_chars=999)
    grid = settings_grid(base)
    assert len(grid) > 1 and all(t.narrative_chars == 999 for t in grid)
    assert len({(t.confident_score, t.max_risky_hints, t.density_per_100_chars)
                for t in grid}) == len(grid)
    assert {t.density_per_100_chars for t in grid} == {2.0, 3.0, 4.0}
    assert all(t.density_high_per_100_chars >= t.density_per_100_chars for t in grid)


def test_choose_takes_the_most_auto_clear_within_the_leak_budget() -> None:
    def row(score: float, cleared: int, leaked: int) -> CalibrationRow:
        setting = {"confident_score": score, "low_confidence_score": score, "max_risky_hints": 0,
                   "density_per_100_chars": 3.0}
        return CalibrationRow(setting, 100, cleared, 100, leaked)

    rows = [row(0.4, 80, 5), row(0.6, 50, 1), row(0.9, 30, 0)]
    assert choose(rows, 0.01) == rows[1]
    assert choose(rows, 0.0) == rows[2]
    assert choose([row(0.4, 80, 5)], 0.01) is None
