from __future__ import annotations

import json

import pytest

from anonymizer.engine.jsonl import output_line, read_records
from anonymizer.engine.types import SpanCandidate

SECRET = "Jane Doe 4111 1111 1111 1111"


def test_reads_ids_and_texts_skipping_blank_lines() -> None:
    lines = [json.dumps({"id": 1, "text": "a"}), "", json.dumps({"id": "b", "text": "c"})]
    assert read_records(lines) == [("1", "a"), ("b", "c")]


@pytest.mark.parametrize(("line", "message"), [
    ('{"id": 1, "text": "' + SECRET, "line 2: not valid JSON"),
    (json.dumps([SECRET]), "line 2: expected a JSON object"),
    (json.dumps({"text": SECRET}), 'line 2: "id"'),
    (json.dumps({"id": 2, "body": SECRET}), 'line 2: "text"'),
    (json.dumps({"id": 1, "text": SECRET}), "line 2: duplicate id"),
])
def test_errors_name_the_line_and_never_the_text(line: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as info:
        read_records([json.dumps({"id": 1, "text": "ok"}), line])
    assert "Jane" not in str(info.value) and "4111" not in str(info.value)


def test_output_line() -> None:
    span = SpanCandidate(0, 4, "PERSON", 0.85, "presidio_spacy", None, None, None)
    assert json.loads(output_line("7", [span])) == {"id": "7", "spans": [
        {"start": 0, "end": 4, "label": "PERSON", "score": 0.85, "recognizer": "presidio_spacy"}]}
