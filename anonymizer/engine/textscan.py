"""Text scanning shared by the recognizers: fast case-insensitive cues, and pieces between gaps.

`re` scans quickly for a pattern that starts with a literal, but not for one that starts with
(?i) or \\b. Cue patterns are therefore also compiled for the lower-cased text without the
leading \\b, which is checked in code. str.lower() keeps offsets for nearly all text; where it
does not (a few rare characters grow), the (?i) pattern runs on the original text instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Cue:
    """A case-insensitive pattern that should start at a word boundary."""

    ci: re.Pattern[str]  # (?i)\b... on the original text
    low: re.Pattern[str]  # ... on the lower-cased text

    @classmethod
    def compile(cls, pattern: str) -> Cue:
        return cls(re.compile(r"(?i:\b" + pattern + ")"), re.compile(pattern))

    def spans(self, text: str, lower: str | None) -> list[tuple[int, int]]:
        if lower is None or len(lower) != len(text):
            return [m.span() for m in self.ci.finditer(text)]
        return [
            m.span() for m in self.low.finditer(lower)
            if m.start() == 0 or not (lower[m.start() - 1].isalnum() or lower[m.start() - 1] == "_")
        ]


def segments(text: str, gaps: re.Pattern[str], start: int, end: int, *,
             strip_end: str) -> list[tuple[int, int]]:
    """(start, end) of each piece of text[start:end] between matches of `gaps`, without its
    leading non-alphanumeric characters and trailing `strip_end` characters; empty pieces are
    left out. `gaps` runs with `end` as the end of the text, as `Pattern.finditer` does."""
    out = []
    pos = start
    for gap in [*gaps.finditer(text, start, end), None]:
        stop = gap.start() if gap is not None else end
        first, last = pos, stop
        while first < last and not text[first].isalnum():
            first += 1
        while last > first and text[last - 1] in strip_end:
            last -= 1
        if first < last:
            out.append((first, last))
        if gap is not None:
            pos = gap.end()
    return out


def bounded(text: str, start: int, end: int) -> bool:
    """text[start:end] stands at word bounds: no letter, digit, '@', '_' or (before) '-'
    touches it."""
    return (start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "@_-")) and (
        end == len(text) or not (text[end].isalnum() or text[end] in "@_")
    )


def word_set(words: str) -> frozenset[str]:
    """A set of words written as one whitespace-separated string."""
    return frozenset(words.split())
