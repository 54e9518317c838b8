"""Charts for any page (the role homes, the export report). One chart's numbers, drawn twice
from the same spec: as JSON for static/veil/charts.js (Chart.js, through Django's
`json_script`), and as the table beside it that screen readers (and anyone who wants the
figures) read. Values are rounded here, once, so the table and the
drawn chart show the same numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Colours by meaning, shared by all charts (charts.js maps these names onto colours).
TIER_COLOURS = {"low": "low", "medium": "medium", "high": "high"}


@dataclass(frozen=True)
class Series:
    label: str
    values: list[float | int | None]
    # A name charts.js knows (accent, low, medium, high, muted), or one per category.
    colour: str | list[str] = "accent"


@dataclass(frozen=True)
class Chart:
    """A bar or line chart: categories along one axis, one or more series of numbers."""

    id: str  # also the id stem of the canvas, the JSON and the table
    title: str
    kind: str  # "bar" or "line"
    categories: list[str]
    series: list[Series]
    unit: str = ""  # "%" for shares; shown in the table header and on the value axis
    stacked: bool = False
    horizontal: bool = False
    note: str = ""  # what the numbers mean, under the chart
    column_title: str = ""  # the table's first column

    @property
    def is_empty(self) -> bool:
        return not self.categories or all(
            v in (None, 0) for s in self.series for v in s.values
        )

    def as_json(self) -> dict[str, Any]:
        """What charts.js draws (via json_script): no markup, only labels and numbers."""
        return {
            "kind": self.kind,
            "title": self.title,
            "labels": self.categories,
            "unit": self.unit,
            "stacked": self.stacked,
            "horizontal": self.horizontal,
            "datasets": [
                {"label": s.label, "data": s.values, "colour": s.colour} for s in self.series
            ],
        }

    def rows(self) -> list[tuple[str, list[float | int | None]]]:
        """The table view: one row per category, one cell per series."""
        return [
            (category, [s.values[i] for s in self.series])
            for i, category in enumerate(self.categories)
        ]

    def summary(self) -> str:
        """A one-line text alternative for the canvas's aria-label."""
        if self.is_empty:
            return f"{self.title}: no data yet."
        unit = f" {self.unit}" if self.unit else ""
        parts = []
        for category, cells in self.rows():
            shown = ", ".join(
                f"{s.label} {_plain(v)}{unit}" if len(self.series) > 1 else f"{_plain(v)}{unit}"
                for s, v in zip(self.series, cells, strict=True)
            )
            parts.append(f"{category}: {shown}")
        return f"{self.title}. " + "; ".join(parts) + ". The table below lists the same numbers."


def _plain(value: float | int | None) -> str:
    return "no value" if value is None else f"{value:g}"


def percent(part: int, whole: int) -> float | None:
    """A share in percent, one decimal, or None when there is nothing to divide."""
    return round(100.0 * part / whole, 1) if whole else None
