"""Identifier-shaped tokens (anonymizer.engine.identifiers), without the model."""

from __future__ import annotations

import pytest

from anonymizer.engine.identifiers import (
    CONTEXT_SCORE,
    PREFIX_SCORE,
    UNKNOWN_SCORE,
    find_identifiers,
    identifier_tokens,
)


def spans(text: str) -> set[tuple[str, str, float]]:
    return {(text[s.start:s.end], s.label, s.score) for s in find_identifiers(text)}


@pytest.mark.parametrize(("text", "expected"), [
    ("passport: P9920417", ("P9920417", "PASSPORT", CONTEXT_SCORE)),
    ("licence number 5521-774-190", ("5521-774-190", "DRIVER_LICENSE", CONTEXT_SCORE)),
    ("tax number 12 345 678 901", ("12 345 678 901", "TAX_ID", CONTEXT_SCORE)),
    ("application no. 12345/98", ("12345/98", "CASE_NUMBER", CONTEXT_SCORE)),
    ("complaint no. 771/03 was lodged", ("771/03", "CASE_NUMBER", CONTEXT_SCORE)),
    ("my membership 55102934", ("55102934", "ACCOUNT_ID", CONTEXT_SCORE)),
    ("certificate 4X7-99120", ("4X7-99120", "ID", CONTEXT_SCORE)),
    ("they sent DE-4471230 back", ("DE-4471230", "ID", PREFIX_SCORE)),
    ("keep AB1234567 safe", ("AB1234567", "ID", PREFIX_SCORE)),
    ("the code 7QX2R9WL4 again", ("7QX2R9WL4", "ID", CONTEXT_SCORE)),
    ("it said 7QX2R9WL4 again", ("7QX2R9WL4", "ID", UNKNOWN_SCORE)),
    ("it said 884412907 again", ("884412907", "ID", UNKNOWN_SCORE)),
])
def test_identifier_shapes(text: str, expected: tuple[str, str, float]) -> None:
    assert expected in spans(text)


@pytest.mark.parametrize("text", [
    "on 2023-01-05 at 10:30",
    "upgrade to v2.3.1 soon",
    "a 128GB phone with 4K video",
    "it costs 1,500 euros",
    "in the 1990s and in 2021",
    "COVID-19 rules",
    "call before 5pm, page 12",
    "the 21st of May",
    "pi is 3.14159",
])
def test_things_that_are_no_identifiers(text: str) -> None:
    assert spans(text) == set()
    assert identifier_tokens(text) == []


def test_a_document_word_in_an_earlier_sentence_does_not_count() -> None:
    text = "I lost my passport. Then 88231 people came."
    assert spans(text) == set()


def test_tokens_are_not_cut_out_of_emails_or_words() -> None:
    assert spans("write to jsmith1985@example.com") == set()
    assert identifier_tokens("user_77812345 logged in") == []


def test_identifier_tokens_give_offsets() -> None:
    text = "ref X1234567 and 99887766"
    assert [text[a:b] for a, b in identifier_tokens(text)] == ["X1234567", "99887766"]
