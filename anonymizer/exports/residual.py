"""The residual scan of an export: no string that an operator replaced in one record may leave
verbatim in another (or elsewhere in the same one).

Two passes over the export's records. The first collects every original string a non-`keep`
operator replaced (whole span texts; for person names also each name part, so a surname
transformed in "Dean Roberts" is caught alone), normalised: whitespace collapsed, lower case,
punctuation trimmed from the ends, at least MIN_CHARS characters. The second pass looks for
them in each record's transformed text and verbatim fields; a hit counts only when
word-bounded (no hit inside a longer word) and outside what an operator wrote. Since a string
starts and ends with a word character, a word-bounded hit starts where a run of word
characters does, and that run is the string's first one: the strings are indexed by it, and
each run of the text looks up the few strings that could start there.

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
from itertools import accumulate, compress, count
from typing import Any

from anonymizer.engine.labels import strength
from anonymizer.engine.transform import (
    Memo,
    PolicySpec,
    Range,
    Span,
    TransformResult,
    resolve_ranges,
    transform,
    transform_ranges,
)
from anonymizer.exports.selectors import ExportError

MIN_CHARS = 4
NAME_LABELS = frozenset({"PERSON"})
MAX_IDS = 1000  # record ids listed in the manifest; the count is always whole
_NAME_PART = re.compile(r"[\w'’-]+")
_WORD = re.compile(r"\w+")  # a run of word characters: \w is what _is_word accepts
_NON_WORD = re.compile(r"\W")
# An ASCII text's bytes with each non-word byte a space (what _NON_WORD.sub does, faster).
_ASCII_SPACED = bytes(c if chr(c).isalnum() or c == ord("_") else ord(" ") for c in range(256))


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
    if folded and _is_word(folded[0]) and _is_word(folded[-1]):
        return folded  # nothing to trim (most values)
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
    _first: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False)  # see build
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

    def add_record(self, text: str, spans: Sequence[Range], spec: PolicySpec) -> None:
        """Every span text of a record (spans as (start, end, label)) that the policy does not
        keep."""
        rules, default = spec.rules, spec.default
        for start, end, label in resolve_ranges(spans, len(text)):
            if rules.get(label, default).operator != "keep":
                self.add(text[start:end], label)

    def build(self) -> None:
        """Index the strings by their first run of word characters: the lengths, longest
        first, of the strings that start with it."""
        self._seen.clear()
        sizes: dict[str, set[int]] = {}
        for key in self.strings:
            head = _WORD.match(key)
            if head is not None:  # always: a string starts with a word character
                sizes.setdefault(head.group(), set()).add(len(key))
        self._first = {run: tuple(sorted(lengths, reverse=True)) for run, lengths in sizes.items()}

    # --- second pass: what is still there ------------------------------------------------

    def hits(self, text: str, protected: Sequence[tuple[int, int]] = ()) -> list[Span]:
        """Word-bounded, non-overlapping occurrences (longest first) outside `protected`: from
        the start of each run of word characters that begins a string (left to right, past
        the last hit), the longest string that begins with it and ends where a run ends (a
        string ends with a word character, so a match that ends before a non-word character,
        or at the end, is word-bounded)."""
        first = self._first
        if not first or not text:
            return []
        haystack = fold(text)
        if haystack.isascii():  # each non-word character a space: the pieces between single
            # spaces are the runs (or empty); piece k starts at the length of those before
            # it, plus k spaces
            spaced = haystack.encode("ascii").translate(_ASCII_SPACED).decode("ascii")
        else:
            spaced = _NON_WORD.sub(" ", haystack)
        pieces = spaced.split(" ")
        heads = list(compress(count(), map(first.__contains__, pieces)))
        if not heads:
            return []
        before = list(accumulate(map(len, pieces), initial=0))
        out: list[Span] = []
        get, size, last = self.strings.get, len(haystack), 0
        for k in heads:
            start = before[k] + k
            if start < last:  # inside the last hit
                continue
            for length in first[pieces[k]]:  # longest first
                end = start + length
                if end > size or (end < size and spaced[end] != " "):
                    continue
                label = get(haystack[start:end])
                if label is not None and not (protected and _inside_any(start, end, protected)):
                    out.append(Span(start, end, label))
                    last = end
                    break
        return out

    def clean_text(
        self,
        text: str,
        spans: Sequence[Range],
        result: TransformResult,
        spec: PolicySpec,
        key: bytes,
        memo: Memo | None = None,
        subject: str = "",
    ) -> tuple[TransformResult, int, int]:
        """The record's transform (of `spans`, as (start, end, label)) with residual hits
        transformed too: (result, found, left). `memo`: the export's pseudonyms under `key`
        (engine.transform.apply_operator)."""
        hits = self.hits(result.text, _written(result))
        if not hits:
            return result, 0, 0
        extra = [(*_to_original(h.start, h.end, result), h.label) for h in hits]
        again = transform_ranges(text, [*spans, *extra], spec, key, memo, subject)
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

    def counting(self) -> ResidualScan:
        """A scan with this one's index and no counts yet (one chunk's, on the parallel path:
        exports.files)."""
        return ResidualScan(strings=self.strings, _first=self._first)

    def counts(self) -> ResidualScan:
        """This scan's counts without its index (what a worker process sends back)."""
        return ResidualScan(found=self.found, fixed=self.fixed, remaining=self.remaining,
                            affected=self.affected, with_remaining=self.with_remaining)

    def add_counts(self, other: ResidualScan) -> None:
        """Another scan's counts (of the records after this one's) added to this one's."""
        self.found += other.found
        self.fixed += other.fixed
        self.remaining += other.remaining
        self.affected += other.affected
        self.with_remaining += other.with_remaining

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
