"""Overlapping spans become one decision per character range, with the strongest type."""

from __future__ import annotations

from collections.abc import Iterable

from anonymizer.engine.labels import strength
from anonymizer.engine.types import SpanCandidate

MODEL_RECOGNIZER = "presidio_spacy"


def _rank(span: SpanCandidate) -> tuple[int, float, int]:
    return (strength(span.label), span.score, span.end - span.start)


def merge_spans(spans: Iterable[SpanCandidate]) -> list[SpanCandidate]:
    """Merge overlapping spans: each connected group becomes one span covering the union,
    labelled with the strongest member's type and provenance. Result is sorted and disjoint.

    When rule hits (exact bounds) overlap model spans, the rule hits set the bounds."""
    ordered = sorted(spans, key=lambda s: (s.start, -s.end))
    merged: list[SpanCandidate] = []
    group: list[SpanCandidate] = []
    group_end = -1
    for span in ordered:
        if group and span.start < group_end:
            group.append(span)
            group_end = max(group_end, span.end)
            continue
        if group:
            merged.append(_collapse(group, group_end))
        group, group_end = [span], span.end
    if group:
        merged.append(_collapse(group, group_end))
    return merged


def _collapse(group: list[SpanCandidate], end: int) -> SpanCandidate:
    best = max(group, key=_rank)
    # A rule hit has exact bounds; a model span that overlaps it does not widen it.
    exact = [s for s in group if s.recognizer != MODEL_RECOGNIZER]
    members = exact or group
    start = min(s.start for s in members)
    end = max(s.end for s in members)
    if start == best.start and end == best.end:
        return best
    return best.over(start, end)
