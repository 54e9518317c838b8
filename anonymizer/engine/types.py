from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A labelled character range: a gold annotation, or a span a transformation replaces."""

    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True)
class SpanCandidate:
    """One detected span: a character range, its entity type and where it came from."""

    start: int
    end: int
    label: str
    score: float
    recognizer: str
    pattern_name: str | None = None
    context_word: str | None = None
    validated: bool | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError("a span needs 0 <= start < end")

    def over(self, start: int, end: int) -> SpanCandidate:
        """The same detection (type, score, provenance) over another character range."""
        return dataclasses.replace(self, start=start, end=end)
