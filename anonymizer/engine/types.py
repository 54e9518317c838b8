from __future__ import annotations

from dataclasses import dataclass


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
