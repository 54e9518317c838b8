"""Parse an uploaded file into records, or refuse it whole with a clear error.

Plain Python, no ORM: `parse_batch_file` validates the entire input before anything is
stored. Error messages name the line, column or record; they never quote the file's content,
which is raw customer text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

FORMATS = ("csv", "jsonl", "text_lines", "text_blocks")
DEFAULT_JSON_TEXT_KEY = "text"
DEFAULT_JSON_ID_KEY = "id"
MAX_ID_LENGTH = 200
MAX_COLUMNS = 500


class IngestError(ValueError):
    """The input cannot be imported. The message is safe to show: it holds no record text."""


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    position: int
    external_id: str
    text: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ParsedBatch:
    source_format: str
    records: list[ParsedRecord]
    text_columns: list[str] = field(default_factory=list)
    id_column: str = ""
    structured_columns: list[str] = field(default_factory=list)

    @property
    def char_count(self) -> int:
        return sum(len(r.text) for r in self.records)


@dataclass(frozen=True, slots=True)
class ParseOptions:
    source_format: str
    text_columns: Sequence[str] = ()
    id_column: str = ""
    max_bytes: int = 100 * 1024 * 1024
    max_record_chars: int = 100_000


def guess_format(filename: str) -> str:
    name = filename.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "text_lines"


def decode_upload(data: bytes, *, max_bytes: int) -> str:
    """Decode UTF-8 (a BOM is fine) or say where the first bad byte is."""
    if len(data) > max_bytes:
        raise IngestError(f"The file is {len(data):,} bytes; the limit is {max_bytes:,} bytes.")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise IngestError(
            f"The file is not valid UTF-8: line {line}, byte offset {exc.start}. "
            "Save it as UTF-8 and upload it again."
        ) from None
    if not text.strip():
        raise IngestError("The file is empty.")
    nul = text.find("\x00")
    if nul != -1:
        raise IngestError(f"The file holds a NUL byte on line {text.count(chr(10), 0, nul) + 1}.")
    return text


def parse_batch_file(data: bytes, options: ParseOptions) -> ParsedBatch:
    if options.source_format not in FORMATS:
        raise IngestError(
            f"Unknown format {options.source_format!r}; use one of {', '.join(FORMATS)}."
        )
    text = decode_upload(data, max_bytes=options.max_bytes)
    if options.source_format == "csv":
        batch = _parse_csv(text, options)
    elif options.source_format == "jsonl":
        batch = _parse_jsonl(text, options)
    else:
        batch = _parse_plain(text, options)
    if not batch.records:
        raise IngestError("The file holds no records.")
    _check_records(batch.records, options)
    return batch


def _check_records(records: list[ParsedRecord], options: ParseOptions) -> None:
    seen: dict[str, int] = {}
    for record in records:
        where = _where(record.position, options.source_format)
        if not record.external_id.strip():
            raise IngestError(f"{where}: the id is empty.")
        if len(record.external_id) > MAX_ID_LENGTH:
            raise IngestError(f"{where}: the id is longer than {MAX_ID_LENGTH} characters.")
        if not record.text.strip():
            raise IngestError(f"{where}: the text is empty.")
        if len(record.text) > options.max_record_chars:
            raise IngestError(
                f"{where}: the text is {len(record.text):,} characters; "
                f"the limit per record is {options.max_record_chars:,}."
            )
        first = seen.get(record.external_id)
        if first is not None:
            raise IngestError(
                f"{where}: duplicate id; the same id is already used by "
                f"{_where(first, options.source_format).lower()}."
            )
        seen[record.external_id] = record.position


def _where(position: int, source_format: str) -> str:
    if source_format == "csv":
        return f"Row {position}"
    if source_format == "text_blocks":
        return f"Record {position}"
    return f"Line {position}"


# --- CSV ---------------------------------------------------------------------------------


def _parse_csv(text: str, options: ParseOptions) -> ParsedBatch:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise IngestError("The CSV file has no header row.") from None
    except csv.Error as exc:
        raise IngestError(f"The CSV header is malformed: {_csv_reason(exc)}.") from None
    header = [h.strip() for h in header]
    _check_header(header)
    text_columns = list(options.text_columns) or _default_text_columns(header)
    for column in [*text_columns, *([options.id_column] if options.id_column else [])]:
        if column not in header:
            raise IngestError(
                f"The CSV has no column named {column!r}. Its columns are: {', '.join(header)}."
            )
    if options.id_column and options.id_column in text_columns:
        raise IngestError("The id column cannot also be a text column.")
    text_idx = [header.index(c) for c in text_columns]
    id_idx = header.index(options.id_column) if options.id_column else None
    other = [(i, h) for i, h in enumerate(header) if i not in text_idx and i != id_idx]
    records: list[ParsedRecord] = []
    row_number = 0
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue  # blank line
            row_number += 1
            if len(row) != len(header):
                raise IngestError(
                    f"Row {row_number} (line {reader.line_num}) has {len(row)} cells; "
                    f"the header has {len(header)}."
                )
            parts = [row[i] for i in text_idx if row[i].strip()]
            records.append(
                ParsedRecord(
                    position=row_number,
                    external_id=row[id_idx].strip() if id_idx is not None else str(row_number),
                    text="\n\n".join(parts),
                    fields={h: row[i] for i, h in other},
                )
            )
    except csv.Error as exc:
        raise IngestError(
            f"The CSV is malformed near line {reader.line_num}: {_csv_reason(exc)}."
        ) from None
    return ParsedBatch(
        source_format="csv",
        records=records,
        text_columns=text_columns,
        id_column=options.id_column,
        structured_columns=[h for _, h in other],
    )


def _csv_reason(exc: csv.Error) -> str:
    # csv.Error messages describe the syntax problem, never the data ("unexpected end of data").
    return str(exc).split("\n")[0][:120]


def _check_header(header: list[str]) -> None:
    if len(header) > MAX_COLUMNS:
        raise IngestError(f"The CSV has {len(header)} columns; the limit is {MAX_COLUMNS}.")
    for position, name in enumerate(header, start=1):
        if not name:
            raise IngestError(f"Column {position} of the CSV header has no name.")
        if len(name) > 200:
            raise IngestError(f"Column {position} of the CSV header is longer than 200 characters.")
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise IngestError(f"The CSV header names the column {name!r} twice.")
        seen.add(name)


def _default_text_columns(header: list[str]) -> list[str]:
    for candidate in ("text", "body", "message", "description", "content"):
        for name in header:
            if name.lower() == candidate:
                return [name]
    raise IngestError(f"Choose the text column(s). The CSV's columns are: {', '.join(header)}.")


# --- JSON Lines --------------------------------------------------------------------------


def _parse_jsonl(text: str, options: ParseOptions) -> ParsedBatch:
    text_keys = list(options.text_columns) or [DEFAULT_JSON_TEXT_KEY]
    id_key = options.id_column or DEFAULT_JSON_ID_KEY
    records: list[ParsedRecord] = []
    structured: dict[str, None] = {}
    for line_number, line in _lines(text):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngestError(
                f"Line {line_number} is not valid JSON ({exc.msg}, column {exc.colno})."
            ) from None
        except RecursionError:
            raise IngestError(f"Line {line_number} is nested too deeply.") from None
        if not isinstance(obj, dict):
            raise IngestError(f"Line {line_number} must be a JSON object.")
        parts = []
        for key in text_keys:
            if key not in obj:
                raise IngestError(f"Line {line_number} has no {key!r} field.")
            value = obj[key]
            if not isinstance(value, str):
                raise IngestError(f"Line {line_number}: the {key!r} field must be a string.")
            if value.strip():
                parts.append(value)
        if options.id_column and id_key not in obj:
            raise IngestError(f"Line {line_number} has no {id_key!r} field.")
        raw_id = obj.get(id_key, line_number)
        if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int)):
            raise IngestError(
                f"Line {line_number}: the {id_key!r} field must be a string or an integer."
            )
        fields = {k: v for k, v in obj.items() if k not in text_keys and k != id_key}
        structured.update(dict.fromkeys(fields))
        records.append(
            ParsedRecord(
                position=line_number,
                external_id=str(raw_id).strip(),
                text="\n\n".join(parts),
                fields=fields,
            )
        )
    return ParsedBatch(
        source_format="jsonl",
        records=records,
        text_columns=text_keys,
        id_column=id_key,
        structured_columns=list(structured),
    )


def _lines(text: str) -> Iterator[tuple[int, str]]:
    # Split on \n only: JSON strings may legally hold U+2028 and other separators that
    # str.splitlines() would break on.
    for number, line in enumerate(text.split("\n"), start=1):
        yield number, line.rstrip("\r")


# --- Plain text --------------------------------------------------------------------------


def _parse_plain(text: str, options: ParseOptions) -> ParsedBatch:
    records: list[ParsedRecord] = []
    if options.source_format == "text_lines":
        for line_number, line in _lines(text):
            if line.strip():
                records.append(ParsedRecord(line_number, str(line_number), line.strip(), {}))
    else:
        block: list[str] = []
        count = 0
        for _, line in [*_lines(text), (-1, "")]:
            if line.strip():
                block.append(line)
            elif block:
                count += 1
                records.append(ParsedRecord(count, str(count), "\n".join(block).strip(), {}))
                block = []
    return ParsedBatch(source_format=options.source_format, records=records)
