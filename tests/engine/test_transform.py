"""The transformation function: operators, overlaps, keyed pseudonyms, and properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anonymizer.engine.transform import (
    OperatorSpec,
    PolicySpec,
    Span,
    policy_from_dict,
    pseudonym,
    transform,
)

KEY = b"k" * 32
OTHER_KEY = b"o" * 32


def policy(**rules: str | OperatorSpec) -> PolicySpec:
    return PolicySpec(
        {k: v if isinstance(v, OperatorSpec) else OperatorSpec(v) for k, v in rules.items()}
    )


TEXT = "Jane Roe (jane@example.com) called from 555-0100 about ORD-123456."
SPANS = [
    Span(0, 8, "PERSON"),
    Span(10, 26, "EMAIL_ADDRESS"),
    Span(40, 48, "PHONE_NUMBER"),
    Span(55, 65, "ORDER_ID"),
]


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (
            {
                "PERSON": "replace",
                "EMAIL_ADDRESS": "replace",
                "PHONE_NUMBER": "replace",
                "ORDER_ID": "replace",
            },
            "[CUSTOMER_NAME] ([EMAIL]) called from [PHONE] about [ORDER_ID].",
        ),
        ({}, " () called from  about ."),  # nothing named: everything redacted (fails closed)
        (
            {
                "PERSON": "keep",
                "PHONE_NUMBER": OperatorSpec("mask", {"keep_last": 4}),
                "ORDER_ID": OperatorSpec("replace", {"label": "<order>"}),
            },
            "Jane Roe () called from ***-0100 about <order>.",
        ),
    ],
)
def test_operators(rules: dict, expected: str) -> None:
    assert transform(TEXT, SPANS, policy(**rules), KEY).text == expected


@pytest.mark.parametrize(
    ("value", "label", "params", "expected"),
    [
        ("1985-03-14", "DATE_OF_BIRTH", {"level": "month"}, "1985-03"),
        ("1985-03-14", "DATE_OF_BIRTH", {"level": "quarter"}, "1985-Q1"),
        ("3/14/1985", "DATE_TIME", {"level": "year"}, "1985"),
        ("34", "AGE", {"band": 10}, "30-39"),
        ("34", "AGE", {"band": 5}, "30-34"),
        ("SW1A 1AA", "POSTCODE", {"keep": 3}, "SW1****"),
        ("Paris", "LOCATION", {}, "[LOCATION]"),  # cannot generalise: replaced, never kept
        ("next Tuesday", "DATE_TIME", {"level": "month"}, "[DATE]"),
        # an implied-identifier phrase leaves as its kind of detail
        ("a Kurdish national born in 1971", "QUASI_ORIGIN", {}, "[an origin]"),
        ("my daughter, who is 7", "QUASI_FAMILY", {}, "[a relative]"),
    ],
)
def test_generalize(value: str, label: str, params: dict, expected: str) -> None:
    text = f"<{value}>"
    spec = OperatorSpec("generalize", params)
    result = transform(text, [Span(1, 1 + len(value), label)], PolicySpec({label: spec}), KEY)
    assert result.text == f"<{expected}>"


def test_every_implied_type_has_its_words_for_replace_and_generalize() -> None:
    from anonymizer.engine.layers import IMPLIED_GENERAL, IMPLIED_TAGS
    from anonymizer.engine.quasi import QUASI_LABELS

    assert set(IMPLIED_TAGS) == set(IMPLIED_GENERAL) == set(QUASI_LABELS)
    result = transform("<x>", [Span(1, 2, "QUASI_ORIGIN")],
                       PolicySpec({"QUASI_ORIGIN": OperatorSpec("replace", {})}), KEY)
    assert result.text == "<[ORIGIN]>"


def test_pseudonyms_are_consistent_within_a_domain_and_unlinkable_across() -> None:
    a = pseudonym("Jane Roe", "PERSON", KEY)
    assert a == pseudonym("jane  roe", "PERSON", KEY)  # normalised: same customer, same token
    assert a != pseudonym("John Roe", "PERSON", KEY)
    assert a != pseudonym("Jane Roe", "PERSON", OTHER_KEY)
    assert a.startswith("CUSTOMER_NAME_")


def test_overlaps_are_resolved_once_with_the_strongest_type() -> None:
    text = "mail jane@example.com now"
    spans = [Span(5, 21, "EMAIL_ADDRESS"), Span(10, 21, "URL")]
    result = transform(text, spans, policy(EMAIL_ADDRESS="replace", URL="replace"), KEY)
    assert result.text == "mail [EMAIL] now"
    assert [(c.label, c.operator) for c in result.changes] == [("EMAIL_ADDRESS", "replace")]


def test_policy_from_dict_refuses_unknown_operators() -> None:
    with pytest.raises(ValueError, match="unknown operator"):
        policy_from_dict({"rules": {"PERSON": {"operator": "shred"}}})
    spec = policy_from_dict({"rules": {"PERSON": "pseudonymize"}})
    assert spec.operator_for("PERSON").operator == "pseudonymize"
    assert spec.operator_for("NEVER_HEARD_OF").operator == "redact"


# --- Properties ---------------------------------------------------------------------------
# Filler is ASCII; secrets use Greek letters, which no operator output contains, so "no
# original span text survives" can be checked character by character.
filler = st.text(alphabet="abc xyz.,", max_size=12)
secret = st.text(alphabet="αβγδεζηθ", min_size=1, max_size=10)
labels = st.sampled_from(["PERSON", "EMAIL_ADDRESS", "ORDER_ID", "CUSTOM_THING", "URL"])
operators = st.sampled_from(["redact", "replace", "pseudonymize"])


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, list[Span]]:
    parts: list[str] = []
    spans: list[Span] = []
    for _ in range(draw(st.integers(0, 6))):
        parts.append(draw(filler))
        value = draw(secret)
        start = sum(map(len, parts))
        parts.append(value)
        spans.append(Span(start, start + len(value), draw(labels)))
    parts.append(draw(filler))
    text = "".join(parts)
    # Extra spans overlapping the real ones, as detectors produce.
    for span in list(spans):
        if draw(st.booleans()):
            shift = draw(st.integers(0, max(0, span.end - span.start - 1)))
            spans.append(Span(span.start + shift, span.end, draw(labels)))
    return text, spans


@settings(max_examples=300, deadline=None)
@given(doc=documents(), op=operators, default=operators)
def test_no_span_text_survives_and_offsets_are_consistent(
    doc: tuple[str, list[Span]], op: str, default: str
) -> None:
    text, spans = doc
    spec = PolicySpec(
        {"PERSON": OperatorSpec(op), "ORDER_ID": OperatorSpec(op)}, default=OperatorSpec(default)
    )
    result = transform(text, spans, spec, KEY)
    assert not set(result.text) & set("αβγδεζηθ")
    cursor_in = cursor_out = 0
    for change in result.changes:
        gap = change.start - cursor_in
        assert result.text[cursor_out : cursor_out + gap] == text[cursor_in : change.start]
        assert change.new_start == cursor_out + gap and change.new_end >= change.new_start
        cursor_in, cursor_out = change.end, change.new_end
    assert result.text[cursor_out:] == text[cursor_in:]
