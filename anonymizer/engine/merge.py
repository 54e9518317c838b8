"""Overlapping spans become one decision per character range, with the strongest type.

Review hints (`labels.is_hint`) never widen or retype a detection: detections are merged
among themselves, and a hint is kept only where no detection overlaps it.
"""

from __future__ import annotations

from collections.abc import Iterable

from anonymizer.engine.labels import is_hint, strength
from anonymizer.engine.types import SpanCandidate

MODEL_RECOGNIZER = "presidio_spacy"
# Types an organisation's name may hold ("University of Bologna", "Bank of Mary Smith"): an
# organisation span that covers every member of a group of these wins over them.
_INSIDE_ORG_NAMES = frozenset({"LOCATION", "PERSON", "NRP", "ORGANIZATION"})
_MIN_ORG_SCORE = 0.3


def _rank(span: SpanCandidate) -> tuple[int, float, int]:
    return (strength(span.label), span.score, span.end - span.start)


def merge_spans(spans: Iterable[SpanCandidate]) -> list[SpanCandidate]:
    """Merge overlapping spans: each connected group becomes one span covering the union,
    labelled with the strongest member's type and provenance. Result is sorted and disjoint.

    When rule hits (exact bounds) overlap model spans, the rule hits set the bounds. Hints
    are merged among themselves and dropped where they overlap a detection."""
    detections: list[SpanCandidate] = []
    hints: list[SpanCandidate] = []
    for span in spans:
        (hints if is_hint(span.label) else detections).append(span)
    merged = _merge_groups(detections)
    kept = [h for h in _merge_groups(hints) if not _overlaps_any(h, merged)]
    return sorted([*merged, *kept], key=lambda s: (s.start, s.end))


def _overlaps_any(span: SpanCandidate, others: list[SpanCandidate]) -> bool:
    return any(o.start < span.end and span.start < o.end for o in others)


def _merge_groups(spans: list[SpanCandidate]) -> list[SpanCandidate]:
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


def _whole_organisation(group: list[SpanCandidate]) -> SpanCandidate | None:
    """An organisation span covering all of a group of name-like spans: "the Ministry of the
    Interior of Poland" is an organisation, not the place it names. Bounds as in _collapse."""
    if any(s.label not in _INSIDE_ORG_NAMES for s in group):
        return None
    members = [s for s in group if s.recognizer != MODEL_RECOGNIZER] or group
    start, end = min(s.start for s in members), max(s.end for s in members)
    orgs = [s for s in members if s.label == "ORGANIZATION" and s.score >= _MIN_ORG_SCORE
            and s.start == start and s.end == end]
    if not orgs:
        return None
    best = max(orgs, key=lambda s: s.score)
    if best.recognizer == MODEL_RECOGNIZER and any(
        s.end - s.start >= end - start for s in members if s.label != "ORGANIZATION"
    ):
        return None  # a name the same size as the model's organisation: the model's guess
    return best


def _collapse(group: list[SpanCandidate], end: int) -> SpanCandidate:
    best = _whole_organisation(group) if len(group) > 1 else None
    if best is not None:
        return best
    best = max(group, key=_rank)
    # A rule hit has exact bounds; a model span that overlaps it does not widen it.
    exact = [s for s in group if s.recognizer != MODEL_RECOGNIZER]
    members = exact or group
    start = min(s.start for s in members)
    end = max(s.end for s in members)
    if start == best.start and end == best.end:
        return best
    return best.over(start, end)
