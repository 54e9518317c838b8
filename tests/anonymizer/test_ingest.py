"""The parsers alone: every format, every refusal, and arbitrary bytes."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anonymizer.batches.ingest import FORMATS, IngestError, ParseOptions, parse_batch_file

SECRET = "Zebulon Quackenbush"  # planted text that must never show up in an error message


def parse(data: bytes, fmt: str, **kw):  # type: ignore[no-untyped-def]
    return parse_batch_file(data, ParseOptions(source_format=fmt, **kw))


def test_it_parses_csv_with_chosen_columns_and_keeps_others_as_fields() -> None:
    data = b"id,subject,body,plan\nA1,Late,Where is my parcel?,pro\nA2,Card,Charged twice,free\n"
    batch = parse(data, "csv", text_columns=["subject", "body"], id_column="id")
    assert [r.external_id for r in batch.records] == ["A1", "A2"]
    assert batch.records[0].text == "Late\n\nWhere is my parcel?"
    assert batch.records[1].fields == {"plan": "free"}
    assert batch.structured_columns == ["plan"]


def test_it_accepts_a_bom_crlf_and_quoted_newlines() -> None:
    data = '\ufeffid,text\r\n1,"two\r\nlines"\r\n2,plain\r\n'.encode()
    batch = parse(data, "csv", id_column="id")
    assert [r.text for r in batch.records] == ["two\r\nlines", "plain"]


def test_it_numbers_csv_rows_when_there_is_no_id_column() -> None:
    batch = parse(b"text\nfirst\n\nsecond\n", "csv")
    assert [(r.external_id, r.position) for r in batch.records] == [("1", 1), ("2", 2)]


def test_it_parses_jsonl_keeping_other_keys() -> None:
    lines = [{"id": 7, "text": "hello", "plan": "pro", "tags": ["a"]}, {"id": "x", "text": "bye"}]
    data = "\n".join(json.dumps(x) for x in lines).encode()
    batch = parse(data, "jsonl")
    assert [r.external_id for r in batch.records] == ["7", "x"]
    assert batch.records[0].fields == {"plan": "pro", "tags": ["a"]}


def test_it_splits_plain_text_by_line_and_by_blank_lines() -> None:
    data = b"first ticket\nsecond ticket\n\nthird\n  \nfourth\nstill fourth\n"
    assert [r.text for r in parse(data, "text_lines").records] == [
        "first ticket",
        "second ticket",
        "third",
        "fourth",
        "still fourth",
    ]
    assert [r.text for r in parse(data, "text_blocks").records] == [
        "first ticket\nsecond ticket",
        "third",
        "fourth\nstill fourth",
    ]


@pytest.mark.parametrize(
    ("data", "fmt", "kw", "message"),
    [
        (b"", "csv", {}, "empty"),
        (b"   \n\n", "jsonl", {}, "empty"),
        (b"id,text\n1,caf\xe9 " + SECRET.encode() + b"\n", "csv", {}, "not valid UTF-8: line 2"),
        (b"id,text\n1,a\x00b\n", "csv", {}, "NUL byte on line 2"),
        (b"id,body\n1,x\n", "csv", {"text_columns": ["text"]}, "no column named 'text'"),
        (b"id,msg\n1,x\n", "csv", {}, "Choose the text column"),
        (b"id,text,text\n1,a,b\n", "csv", {}, "Columns 2 and 3 of the CSV header have the same"),
        (b"id,,text\n1,a,b\n", "csv", {}, "Column 2 of the CSV header has no name"),
        (b"id,text\n1,a\n1,b\n", "csv", {"id_column": "id"}, "Row 2: duplicate id"),
        (b"id,text\n1,a,extra\n", "csv", {"id_column": "id"}, "Row 1 (line 2) has 3 cells"),
        (b'id,text\n1,"unterminated\n', "csv", {"id_column": "id"}, "malformed"),
        (b"id,text\n1,   \n", "csv", {"id_column": "id"}, "Row 1: the text is empty"),
        (b'{"id": 1, "text": "a"}\n{"id": 1, "text": "b"}\n', "jsonl", {}, "Line 2: duplicate id"),
        (b'{"id": 1, "text": "a"}\n{"id": 2, "text": \n', "jsonl", {}, "Line 2 is not valid JSON"),
        (b'["not", "an", "object"]\n', "jsonl", {}, "Line 1 must be a JSON object"),
        (b'{"id": 1, "body": "a"}\n', "jsonl", {}, "Line 1 has no 'text' field"),
        (b'{"id": 1, "text": 5}\n', "jsonl", {}, "'text' field must be a string"),
        (b'{"id": {"a": 1}, "text": "x"}\n', "jsonl", {}, "'id' field must be a string"),
        (b"x" * 2000, "text_lines", {"max_bytes": 1000}, "limit is 1,000 bytes"),
        (
            b"ok\n" + b"y" * 50 + b"\n",
            "text_lines",
            {"max_record_chars": 20},
            "Line 2: the text is 50",
        ),
        (b"a\n", "xml", {}, "Unknown format"),
    ],
)
def test_it_refuses_bad_input_with_a_clear_message(
    data: bytes, fmt: str, kw: dict, message: str
) -> None:
    with pytest.raises(IngestError) as excinfo:
        parse(data, fmt, **kw)
    assert message in str(excinfo.value)
    assert SECRET not in str(excinfo.value)


def test_error_messages_never_quote_record_text() -> None:
    data = json.dumps({"id": 1, "text": SECRET}).encode() + b"\n{broken " + SECRET.encode() + b"\n"
    with pytest.raises(IngestError) as excinfo:
        parse(data, "jsonl")
    assert SECRET not in str(excinfo.value)
    assert "Zebulon" not in str(excinfo.value)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=600), fmt=st.sampled_from(FORMATS))
def test_arbitrary_bytes_parse_whole_or_raise_ingest_error(data: bytes, fmt: str) -> None:
    try:
        batch = parse(
            data, fmt, text_columns=["text"] if fmt != "csv" else [], max_record_chars=200
        )
    except IngestError as exc:
        assert str(exc)
        return
    assert batch.records
    ids = [r.external_id for r in batch.records]
    assert len(ids) == len(set(ids))
    assert all(
        r.text.strip() and len(r.text) <= 200 and "\x00" not in r.text for r in batch.records
    )


_csv_cell = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=30)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(_csv_cell, _csv_cell), min_size=1, max_size=8))
def test_structured_csv_round_trips_or_is_refused(rows: list[tuple[str, str]]) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "text"])
    writer.writerows(rows)
    try:
        batch = parse(out.getvalue().encode(), "csv", id_column="id")
    except IngestError:
        return
    kept = [(i.strip(), t) for i, t in rows if i.strip() or t.strip()]
    assert [(r.external_id, r.text) for r in batch.records] == kept
