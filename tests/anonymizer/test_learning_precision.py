"""Learned pattern proposals weigh precision: a shape reviewers marked three times is proposed
only when its other matches in the reviewed records are mostly what reviewers marked too."""

from __future__ import annotations

from anonymizer.rulesets.learning import MIN_PATTERN_PRECISION, Correction, propose_changes


def _missed(texts: dict[int, str], value: str, label: str) -> list[Correction]:
    out = []
    for record_id, text in texts.items():
        start = text.find(value)
        if start >= 0:
            out.append(Correction("false_negative", record_id, start, start + len(value), label))
    return out


def test_a_shape_only_reviewers_marked_is_proposed_with_its_precision() -> None:
    texts = {1: "Locker KX-48213 is jammed.", 2: "Swap to KX-48213 please.",
             3: "KX-48213 again, sorry."}
    _, proposals = propose_changes(_missed(texts, "KX-48213", "LOCKER_ID"), texts, {})
    [p] = proposals
    assert p["regex"] == r"\b[A-Z]{2}\-\d{5}\b" and p["precision"] == 1.0 and p["matches"] == 3


def test_a_shape_that_also_fits_unmarked_text_is_not_proposed() -> None:
    texts = {1: "Locker KX-48213 is jammed.", 2: "Swap to KX-48213 please.",
             3: "KX-48213 again, sorry."}
    found = _missed(texts, "KX-48213", "LOCKER_ID")
    # the same shape in reviewed records where nobody marked it: part numbers, not lockers
    texts.update({10 + i: f"Part AB-{10000 + i} ships Monday." for i in range(3)})
    _, proposals = propose_changes(found, texts, {})
    assert MIN_PATTERN_PRECISION > 3 / 6 and proposals == []
