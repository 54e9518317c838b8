"""JSON-lines input and output for offline detection (`manage.py detect_file`).

Errors name the line and the problem, never the line's text: input may be raw personal data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from anonymizer.engine.labels import without_hints
from anonymizer.engine.types import SpanCandidate


def read_records(lines: Iterable[str]) -> list[tuple[str, str]]:
    """(id, text) for each non-blank line; ValueError naming the first bad line."""
    records: list[tuple[str, str]] = []
    seen: set[str] = set()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {number}: not valid JSON (column {exc.colno})") from None
        if not isinstance(obj, dict):
            raise ValueError(f"line {number}: expected a JSON object with \"id\" and \"text\"")
        record_id, text = obj.get("id"), obj.get("text")
        if isinstance(record_id, bool) or not isinstance(record_id, str | int):
            raise ValueError(f"line {number}: \"id\" must be a string or an integer")
        if not isinstance(text, str):
            raise ValueError(f"line {number}: \"text\" must be a string")
        key = str(record_id)
        if key in seen:
            raise ValueError(f"line {number}: duplicate id")
        seen.add(key)
        records.append((key, text))
    return records


OUTPUT_FIELDS = ("start", "end", "label", "score", "recognizer")


def span_dict(span: SpanCandidate) -> dict[str, Any]:
    return {name: getattr(span, name) for name in OUTPUT_FIELDS}


def output_line(record_id: str, spans: Sequence[SpanCandidate]) -> str:
    """One output line: the record's detections; review hints (`labels.is_hint`) left out."""
    detected = [span_dict(s) for s in without_hints(spans)]
    return json.dumps({"id": record_id, "spans": detected}) + "\n"
