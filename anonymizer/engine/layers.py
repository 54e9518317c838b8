"""How the implied-identifier layer meets a policy before text is transformed.

Detections are merged by strength (`transform.resolve_overlaps`); an implied-identifier phrase
(QUASI_*, engine.quasi) overlaps the detections inside it on purpose ("the only nurse at the
[Leeds] clinic"), so it cannot be merged with them by strength. Its operator decides instead:

- a phrase the policy keeps is no span at all: the detections inside it are transformed on
  their own, as if the phrase had not been found;
- a phrase the policy transforms (redact, replace, generalize, ...) is transformed whole, and
  the detections inside it go with it: nothing of them is left to leak, and a generalized
  phrase ("[job and workplace]") reads better than one cut around a place tag.

Unknown types fail closed as everywhere: a QUASI_* type the policy does not name takes the
policy's default (which cannot be keep).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from anonymizer.engine.labels import is_implied


class _SpanLike(Protocol):
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def label(self) -> str: ...


# What replace writes for an implied-identifier phrase (transform.REPLACE_TAGS holds them).
IMPLIED_TAGS: dict[str, str] = {
    "QUASI_FAMILY": "[FAMILY_DETAIL]",
    "QUASI_OCCUPATION": "[JOB_AND_WORKPLACE]",
    "QUASI_AGE": "[AGE]",
    "QUASI_ORIGIN": "[ORIGIN]",
    "QUASI_VEHICLE": "[VEHICLE]",
    "QUASI_DEVICE": "[DEVICE]",
    "QUASI_CONDITION": "[HEALTH_CONDITION]",
    "QUASI_EVENT": "[LIFE_EVENT]",
    "QUASI_HISTORY": "[CASE_HISTORY]",
}
# What generalize writes for an implied-identifier phrase: what kind of detail it was, no more.
IMPLIED_GENERAL: dict[str, str] = {
    "QUASI_FAMILY": "[a relative]",
    "QUASI_OCCUPATION": "[a job]",
    "QUASI_AGE": "[an age]",
    "QUASI_ORIGIN": "[an origin]",
    "QUASI_VEHICLE": "[a vehicle]",
    "QUASI_DEVICE": "[a device]",
    "QUASI_CONDITION": "[a health condition]",
    "QUASI_EVENT": "[an event]",
    "QUASI_HISTORY": "[a history with us]",
}

S = TypeVar("S", bound=_SpanLike)
Range = tuple[int, int, str]


def apply_implied_layer(spans: Sequence[S], operator_of: Callable[[str], str]) -> list[S]:
    """`spans` with the implied layer resolved against the policy (`operator_of(label)` is the
    operator the policy gives a type): kept phrases removed; transformed phrases kept, with
    the detections inside them removed. A detection that reaches past a phrase's edge stays:
    the transform's merge then joins the two under the detection's stronger type, so no part
    of it is left out. Order is kept."""
    kept = set(implied_ranges([(s.start, s.end, s.label) for s in spans], operator_of))
    return [s for s in spans if (s.start, s.end, s.label) in kept]


def implied_ranges(ranges: Sequence[Range], operator_of: Callable[[str], str]) -> list[Range]:
    """apply_implied_layer on plain (start, end, label) values, as the transform holds them."""
    phrases = [r for r in ranges if is_implied(r[2]) and operator_of(r[2]) != "keep"]
    return [
        r for r in ranges
        if (is_implied(r[2]) and operator_of(r[2]) != "keep")
        or (not is_implied(r[2])
            and not any(p[0] <= r[0] and r[1] <= p[1] for p in phrases))
    ]
