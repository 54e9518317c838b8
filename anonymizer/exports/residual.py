"""The residual scan of an export: no string that an operator replaced in one record may leave
verbatim in another (or elsewhere in the same one).

Two passes over the export's records. The first collects every original string a non-`keep`
operator replaced (whole span texts; for person names also each name part, so a surname
transformed in "Dean Roberts" is caught alone), normalised: whitespace collapsed, lower case,
punctuation trimmed from the ends, at least MIN_CHARS characters. The second pass runs one
Aho-Corasick automaton over each record's transformed text and verbatim fields; a hit counts
only when word-bounded (no hit inside a longer word) and outside what an operator wrote.

Design: fix, then refuse. Each hit becomes one more span of the record, with the label the
string was transformed under, and the record is transformed again from its original text (so
the same operator, and the same pseudonym rules, apply). The output is scanned again; what is
still there (a hit inside a span the policy keeps, whose type wins the overlap) is `remaining`,
and an export with anything remaining fails whole. The summary holds counts and external
record ids only: the strings never leave this module.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick

from anonymizer.engine.labels import strength
from anonymizer.engine.transform import (
    Memo,
    PolicySpec,
    Span,
    TransformResult,
    resolve_overlaps,
    transform,
)
from anonymizer.exports.selectors import ExportError

MIN_CHARS = 4
NAME_LABELS = frozenset({"PERSON"})
MAX_IDS = 1000  # record ids listed in the manifest; the count is always whole
_NAME_PART = re.compile(r"[\w'’-]+")


class ResidualScanError(ExportError):
    """Transformed strings would still leave verbatim; the export was refused. The message holds
    counts only."""

    def __init__(self, summary: dict[str, Any]) -> None:
        self.summary = summary
        super().__init__(
            f"Residual scan: {summary['remaining']} occurrence(s) of transformed strings would "
            f"stay verbatim in {len(summary['records_with_remaining'])} record(s) (a span the "
            "policy keeps covers them); nothing was exported."
        )


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def normalise(value: str) -> str:
    """Whitespace collapsed, lower case, non-word characters trimmed from both ends."""
    folded = " ".join(fold(value).split())
    start, end = 0, len(folded)
    while start < end and not _is_word(folded[start]):
        start += 1
    while end > start and not _is_word(folded[end - 1]):
        end -= 1
    return folded[start:end]


def fold(text: str) -> str:
    """Lower case with every offset kept (a few characters grow when lowered: those stay)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


def _bounded(haystack: str, start: int, end: int) -> bool:
    before = start == 0 or not _is_word(haystack[start - 1])
    after = end == len(haystack) or not _is_word(haystack[end])
    return before and after


def _inside_any(start: int, end: int, protected: Sequence[tuple[int, int]]) -> bool:
    return any(start < p_end and p_start < end for p_start, p_end in protected)


@dataclass
class ResidualScan:
    """The strings an export transformed (first pass) and what the second pass found."""

    strings: dict[str, str] = field(default_factory=dict)  # normalised string -> label
    found: int = 0
    fixed: int = 0
    remaining: int = 0
    affected: list[str] = field(default_factory=list)
    with_remaining: list[str] = field(default_factory=list)
    _automaton: Any = None
    _seen: set[tuple[str, str]] = field(default_factory=set, repr=False)

    # --- first pass: what was transformed -----------------------------------------------

    def add(self, original: str, label: str) -> None:
        """One replaced string, and its name parts when it is a person's name."""
        if (original, label) in self._seen:  # the same string under the same type adds nothing
            return
        self._seen.add((original, label))
        values = [original]
        if label in NAME_LABELS:
            values += _NAME_PART.findall(original)
        for value in values:
            key = normalise(value)
            if len(key) < MIN_CHARS:
                continue
            known = self.strings.get(key)
            if known is None or strength(label) > strength(known):
                self.strings[key] = label

    def add_record(self, text: str, spans: Sequence[Span], spec: PolicySpec) -> None:
        """Every span text of a record that the policy does not keep."""
        for span in resolve_overlaps(spans, len(text)):
            if spec.operator_for(span.label).operator != "keep":
                self.add(text[span.start : span.end], span.label)

    def build(self) -> None:
        self._seen.clear()
        if not self.strings:
            return
        automaton = ahocorasick.Automaton()
        for key, label in self.strings.items():
            automaton.add_word(key, (len(key), label))
        automaton.make_automaton()
        self._automaton = automaton

    # --- second pass: what is still there ------------------------------------------------

    def hits(self, text: str, protected: Sequence[tuple[int, int]] = ()) -> list[Span]:
        """Word-bounded, non-overlapping occurrences (longest first) outside `protected`."""
        if self._automaton is None or not text:
            return []
        haystack = fold(text)
        found = []
        for last, (length, label) in self._automaton.iter(haystack):
            start, end = last + 1 - length, last + 1
            if _bounded(haystack, start, end) and not _inside_any(start, end, protected):
                found.append(Span(start, end, label))
        found.sort(key=lambda s: (s.start, -s.end))
        out: list[Span] = []
        for span in found:
            if not out or span.start >= out[-1].end:
                out.append(span)
        return out

    def clean_text(
        self,
        text: str,
        spans: list[Span],
        result: TransformResult,
        spec: PolicySpec,
        key: bytes,
        memo: Memo | None = None,
    ) -> tuple[TransformResult, int, int]:
        """The record's transform with residual hits transformed too: (result, found, left).
        `memo`: the export's pseudonyms under `key` (engine.transform.apply_operator)."""
        hits = self.hits(result.text, _written(result))
        if not hits:
            return result, 0, 0
        extra = [Span(*_to_original(h.start, h.end, result), h.label) for h in hits]
        again = transform(text, [*spans, *extra], spec, key, memo)
        return again, len(hits), len(self.hits(again.text, _written(again)))

    def clean_fields(
        self,
        fields: dict[str, Any],
        verbatim: Sequence[str],
        spec: PolicySpec,
        key: bytes,
        memo: Memo | None = None,
    ) -> tuple[int, int]:
        """Fields exported as they came in, with hits transformed in place: (found, left)."""
        found = left = 0
        for column in verbatim:
            value = fields.get(column)
            hits = self.hits(value) if isinstance(value, str) else []
            if hits:
                again = transform(value, hits, spec, key, memo)
                fields[column] = again.text
                found += len(hits)
                left += len(self.hits(again.text, _written(again)))
        return found, left

    def record(self, external_id: str, found: int, left: int) -> None:
        if not found and not left:
            return
        self.found += found
        self.remaining += left
        self.fixed += max(0, found - left)
        self.affected.append(external_id)
        if left:
            self.with_remaining.append(external_id)

    def summary(self) -> dict[str, Any]:
        """The manifest's `residual_scan`: counts and record ids, never a string."""
        return {
            "action": "transform residual occurrences; refuse the export if any remain",
            "min_chars": MIN_CHARS,
            "strings_checked": len(self.strings),
            "occurrences_found": self.found,
            "occurrences_fixed": self.fixed,
            "remaining": self.remaining,
            "records_affected_count": len(self.affected),
            "records_affected": self.affected[:MAX_IDS],
            "records_with_remaining": self.with_remaining[:MAX_IDS],
        }

    def check(self) -> dict[str, Any]:
        """The summary, or ResidualScanError when anything remains."""
        summary = self.summary()
        if self.remaining:
            raise ResidualScanError(summary)
        return summary


def _written(result: TransformResult) -> list[tuple[int, int]]:
    """Output ranges an operator wrote (a kept span's text is the original: not protected)."""
    return [(c.new_start, c.new_end) for c in result.changes if c.operator != "keep"]


def _to_original(start: int, end: int, result: TransformResult) -> tuple[int, int]:
    """Offsets of a hit in the transformed text, in the original (the hit is outside what an
    operator wrote, so every change before it shifts it by its change in length)."""
    shift = 0
    for c in result.changes:
        if c.new_end <= start:
            shift += (c.end - c.start) - (c.new_end - c.new_start)
    return start + shift, end + shift
