"""Calibrating the risk thresholds on labelled text: for each candidate setting, the share of
records that would be auto-cleared (tier low) against the leak in those records.

The leak is the share of must-mask gold strings (at least MIN_CHARS characters) in
auto-cleared records that no detection touches, i.e. that would leave verbatim. Review hints
are not detections. Figures only: nothing here keeps or returns text.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from anonymizer.engine.evaluation import GoldDoc
from anonymizer.engine.labels import without_hints
from anonymizer.engine.risk import RiskThresholds, assess_risk
from anonymizer.engine.types import SpanCandidate

MIN_CHARS = 4
# The settings tried: how confident a span must be to cover an identifier-shaped token (and to
# not count as a low-confidence detection), how many hints in risky spots are tolerated, and
# the identifier density (spans per 100 characters) from which a record goes to review.
CONFIDENT_SCORES = (0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
MAX_RISKY_HINTS = (0, 1, 2)
DENSITIES = (2.0, 3.0, 4.0)
CALIBRATED_FIELDS = ("confident_score", "low_confidence_score", "max_risky_hints",
                     "density_per_100_chars")


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    setting: dict[str, Any]
    records: int
    auto_cleared: int
    must_mask_in_auto_cleared: int
    leaked: int

    @property
    def auto_cleared_share(self) -> float:
        return self.auto_cleared / self.records if self.records else 0.0

    @property
    def leak_in_auto_cleared(self) -> float:
        if not self.must_mask_in_auto_cleared:
            return 0.0
        return self.leaked / self.must_mask_in_auto_cleared

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.setting,
            "auto_cleared_share": round(self.auto_cleared_share, 4),
            "leak_in_auto_cleared": round(self.leak_in_auto_cleared, 4),
            "auto_cleared": self.auto_cleared,
            "must_mask_in_auto_cleared": self.must_mask_in_auto_cleared,
        }


def settings_grid(base: RiskThresholds) -> list[RiskThresholds]:
    """The candidate settings, each a copy of `base` with the calibrated fields changed."""
    return [
        dataclasses.replace(
            base, confident_score=score, low_confidence_score=score, max_risky_hints=hints,
            density_per_100_chars=density,
            density_high_per_100_chars=max(density, base.density_high_per_100_chars),
        )
        for score, hints, density in itertools.product(CONFIDENT_SCORES, MAX_RISKY_HINTS,
                                                       DENSITIES)
    ]


def _leaked(doc: GoldDoc, detected: Sequence[SpanCandidate]) -> tuple[int, int]:
    """(must-mask gold strings, of which no detection touches a character)."""
    strings = [s for s in doc.spans if s.end - s.start >= MIN_CHARS]
    untouched = sum(
        1 for g in strings if not any(d.start < g.end and g.start < d.end for d in detected)
    )
    return len(strings), untouched


def calibrate(
    docs: Sequence[GoldDoc],
    predicted: Sequence[Sequence[SpanCandidate]],
    grid: Iterable[RiskThresholds],
    *,
    data_class: str,
    purpose: str,
) -> list[CalibrationRow]:
    """One row per setting: how many records would auto-clear, and what would leak from them."""
    leaks = [_leaked(d, without_hints(p)) for d, p in zip(docs, predicted, strict=True)]
    rows = []
    for thresholds in grid:
        cleared = [
            i
            for i, (doc, spans) in enumerate(zip(docs, predicted, strict=True))
            if assess_risk(
                doc.text, spans, data_class=data_class, purpose=purpose, thresholds=thresholds
            ).tier
            == "low"
        ]
        rows.append(
            CalibrationRow(
                setting={f: getattr(thresholds, f) for f in CALIBRATED_FIELDS},
                records=len(docs),
                auto_cleared=len(cleared),
                must_mask_in_auto_cleared=sum(leaks[i][0] for i in cleared),
                leaked=sum(leaks[i][1] for i in cleared),
            )
        )
    return rows


def choose(rows: Sequence[CalibrationRow], max_leak: float) -> CalibrationRow | None:
    """The setting that auto-clears most while its leak stays at or under `max_leak` (ties:
    the lower leak, then the stricter setting)."""
    within = [r for r in rows if r.leak_in_auto_cleared <= max_leak]
    if not within:
        return None
    return max(
        within,
        key=lambda r: (r.auto_cleared_share, -r.leak_in_auto_cleared, r.setting["confident_score"]),
    )
