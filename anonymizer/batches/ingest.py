"""Parse an uploaded file into records, or refuse it whole with a clear error.

Plain Python, no ORM. `RecordStream` reads the file line by line (memory stays bounded
whatever its size), once to validate it all before anything is written, again to store it.
Errors name the line, column or record; they never quote the file (raw customer text), header
names included: in a file without a header row they are the first record.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import IO, Any

from anonymizer.batches.jsonsafe import JsonRefused, load_json_object

FORMATS = ("csv", "jsonl", "text_lines", "text_blocks")
DEFAULT_JSON_TEXT_KEY = "text"
DEFAULT_JSON_ID_KEY = "id"
DEFAULT_TEXT_COLUMNS = ("text", "body", "message", "description", "content")
MAX_ID_LENGTH = MAX_NAME_LENGTH = 200
MAX_COLUMNS = 500
MIN_LINE_BYTES = 1 << 20
UTF8_BOM = b"\xef\xbb\xbf"
# Files that are not text at all, by their first bytes: a clearer refusal than "not UTF-8".
NOT_TEXT = {b"PK\x03\x04": "a zip archive", b"\x1f\x8b": "gzip-compressed", b"\xfd7zXZ": "xz-"
            "compressed", b"\xff\xfe": "UTF-16 text", b"\xfe\xff": "UTF-16 text"}
_LONE_CR = re.compile(r"(?<=\r)(?!\n)")


class IngestError(ValueError):
    """The input cannot be imported. The message is safe to show: it holds no record text."""


@dataclass(frozen=True, slots=True)
class ParsedRecord:
    position: int
    external_id: str
    text: str
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ParseOptions:
    source_format: str
    text_columns: Sequence[str] = ()
    id_column: str = ""
    max_bytes: int = 100 * 1024 * 1024
    max_record_chars: int = 100_000
    max_records: int = 1_000_000

    @property
    def max_line_bytes(self) -> int:
        # One line holds a record's text (up to 6 bytes a character as a JSON escape) and
        # its fields; anything longer is refused before it is held in memory.
        return max(MIN_LINE_BYTES, 8 * self.max_record_chars)


@dataclass(slots=True)
class Summary:
    """What a full pass over the file learned; the batch row is made from it."""

    source_format: str
    text_columns: list[str] = field(default_factory=list)
    id_column: str = ""
    structured: dict[str, None] = field(default_factory=dict)
    record_count: int = 0
    char_count: int = 0
    size: int = 0
    sha256: str = ""
    has_content: bool = False


@dataclass(frozen=True, slots=True)
class ParsedBatch:
    source_format: str
    records: list[ParsedRecord]
    text_columns: list[str] = field(default_factory=list)
    id_column: str = ""
    structured_columns: list[str] = field(default_factory=list)


def guess_format(filename: str) -> str:
    name = filename.lower()
    if name.endswith(".csv"):
        return "csv"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "text_lines"


def check_size(size: int, *, max_bytes: int) -> None:
    if size > max_bytes:
        raise IngestError(f"The file is {size:,} bytes; the limit is {max_bytes:,} bytes.")


class RecordStream:
    """The records of a seekable binary file, parsed lazily; each iteration reads it anew
    and checks every record, and a completed one leaves its figures in `summary`."""

    def __init__(self, file: IO[bytes], options: ParseOptions) -> None:
        if options.source_format not in FORMATS:
            raise IngestError(
                f"Unknown format {options.source_format!r}; use one of {', '.join(FORMATS)}."
            )
        check_size(file.seek(0, io.SEEK_END), max_bytes=options.max_bytes)
        self.file = file
        self.options = options
        self.summary = Summary(options.source_format)

    def __iter__(self) -> Iterator[ParsedRecord]:
        self.file.seek(0)
        summary = Summary(self.options.source_format)
        digest = hashlib.sha256()
        lines = _read_lines(self.file, self.options, summary, digest)
        parse = {"csv": _parse_csv, "jsonl": _parse_jsonl}.get(summary.source_format, _plain)
        for record in parse(lines, self.options, summary):
            summary.record_count += 1
            _check_record(record, summary.record_count, self.options)
            summary.char_count += len(record.text)
            yield record
        if not summary.record_count:
            raise IngestError(
                "The file holds no records." if summary.has_content else "The file is empty."
            )
        summary.sha256 = digest.hexdigest()
        self.summary = summary

    def validate(self) -> Summary:
        """Read and check the whole file; nothing is kept but the figures."""
        for _ in self:
            pass
        return self.summary


def parse_batch_file(data: bytes, options: ParseOptions) -> ParsedBatch:
    """The whole file's records in memory, duplicate ids refused (tests, benchmarks; the
    import itself streams and leaves duplicates to the database's unique index)."""
    stream = RecordStream(io.BytesIO(data), options)
    records = list(stream)
    seen: dict[str, int] = {}
    for record in records:
        first = seen.setdefault(record.external_id, record.position)
        if first != record.position:
            raise duplicate_id_error(record.position, first, options.source_format)
    s = stream.summary
    return ParsedBatch(s.source_format, records, s.text_columns, s.id_column, [*s.structured])


def duplicate_id_error(position: int, first: int, source_format: str) -> IngestError:
    return IngestError(
        f"{_where(position, source_format)}: duplicate id; the same id is already used by "
        f"{_where(first, source_format).lower()}."
    )


def _check_record(record: ParsedRecord, count: int, options: ParseOptions) -> None:
    where = _where(record.position, options.source_format)
    if count > options.max_records:
        raise IngestError(
            f"{where}: the file holds more than {options.max_records:,} records, the limit "
            "per batch (VEIL_MAX_RECORDS). Split it into several batches."
        )
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


def _where(position: int, source_format: str) -> str:
    return f"{ {'csv': 'Row', 'text_blocks': 'Record'}.get(source_format, 'Line')} {position}"


# --- Lines -------------------------------------------------------------------------------
Lines = Iterator[tuple[int, str]]


def _read_lines(file: IO[bytes], options: ParseOptions, summary: Summary, digest: Any) -> Lines:
    """Decoded lines split on \\n only (JSON strings may hold U+2028 and the like), with
    their ends, each checked for length, UTF-8 and NUL bytes before it is parsed."""
    limit = options.max_line_bytes
    number = 0
    while raw := file.readline(limit + 1):
        number += 1
        start = summary.size
        summary.size += len(raw)
        digest.update(raw)
        check_size(summary.size, max_bytes=options.max_bytes)  # in case the file grew
        if len(raw) > limit and not raw.endswith(b"\n"):
            raise IngestError(f"Line {number} is longer than {limit:,} bytes.")
        if number == 1:
            raw = _strip_bom(raw)
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IngestError(
                f"The file is not valid UTF-8: line {number}, byte offset {start + exc.start}. "
                "Save it as UTF-8 and upload it again."
            ) from None
        if "\x00" in line:
            raise IngestError(f"The file holds a NUL byte on line {number}.")
        summary.has_content = summary.has_content or bool(line.strip())
        yield number, line


def _content(line: str) -> str:  # the line without its end, \\n or \\r\\n
    return line.removesuffix("\n").removesuffix("\r")


def _strip_bom(raw: bytes) -> bytes:
    for magic, what in NOT_TEXT.items():
        if raw.startswith(magic):
            raise IngestError(
                f"The file is {what}, not UTF-8 text. Upload the CSV, JSON Lines or text file "
                "itself, saved as UTF-8."
            )
    return raw[len(UTF8_BOM) :] if raw.startswith(UTF8_BOM) else raw


# --- CSV ---------------------------------------------------------------------------------


def _csv_lines(lines: Lines) -> Iterator[str]:
    """Lines as the csv module wants them: with their ends, a lone \\r ending one too."""
    for _, line in lines:
        yield from (piece for piece in _LONE_CR.split(line) if piece)


def _parse_csv(lines: Lines, options: ParseOptions, summary: Summary) -> Iterator[ParsedRecord]:
    reader = csv.reader(_csv_lines(lines), strict=True)
    try:
        header = [h.strip() for h in next(r for r in reader if any(c.strip() for c in r))]
    except StopIteration:
        if summary.has_content:
            raise IngestError("The CSV file has no header row.") from None
        return
    except csv.Error as exc:
        raise IngestError(f"The CSV header is malformed: {_csv_reason(exc)}.") from None
    _check_header(header)
    text_idx, id_idx = _csv_columns(header, options, summary)
    other = [(i, h) for i, h in enumerate(header) if i not in text_idx and i != id_idx]
    summary.structured = dict.fromkeys(h for _, h in other)
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
            yield ParsedRecord(
                position=row_number,
                external_id=row[id_idx].strip() if id_idx is not None else str(row_number),
                text="\n\n".join(row[i] for i in text_idx if row[i].strip()),
                fields={h: row[i] for i, h in other},
            )
    except csv.Error as exc:
        raise IngestError(
            f"The CSV is malformed near line {reader.line_num}: {_csv_reason(exc)}."
        ) from None


def _csv_columns(
    header: list[str], options: ParseOptions, summary: Summary
) -> tuple[list[int], int | None]:
    """Indexes of the text columns and of the id column. The options are the user's own
    words and may be quoted; the header may not (it may be a record)."""
    text_columns = list(options.text_columns) or _default_text_columns(header)
    for column in [*text_columns, *([options.id_column] if options.id_column else [])]:
        if column not in header:
            raise IngestError(
                f"The CSV has no column named {column!r} (its header has {len(header)} columns)."
            )
    if options.id_column and options.id_column in text_columns:
        raise IngestError("The id column cannot also be a text column.")
    summary.text_columns, summary.id_column = text_columns, options.id_column
    id_idx = header.index(options.id_column) if options.id_column else None
    return [header.index(c) for c in text_columns], id_idx


def _csv_reason(exc: csv.Error) -> str:
    # csv.Error messages describe the syntax problem, never the data ("unexpected end of data").
    return str(exc).split("\n")[0][:120]


def _check_header(header: list[str]) -> None:
    if len(header) > MAX_COLUMNS:
        raise IngestError(f"The CSV has {len(header)} columns; the limit is {MAX_COLUMNS}.")
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        if not name:
            raise IngestError(f"Column {position} of the CSV header has no name.")
        if len(name) > MAX_NAME_LENGTH:
            raise IngestError(f"Column {position} of the CSV header is longer than 200 characters.")
        first = seen.setdefault(name, position)
        if first != position:
            raise IngestError(
                f"Columns {first} and {position} of the CSV header have the same name."
            )


def _default_text_columns(header: list[str]) -> list[str]:
    for candidate in DEFAULT_TEXT_COLUMNS:
        for name in header:
            if name.lower() == candidate:
                return [name]
    raise IngestError(
        f"Choose the text column(s): no column of the CSV header is named "
        f"{', '.join(DEFAULT_TEXT_COLUMNS)}. Does the file start with a header row?"
    )


# --- JSON Lines --------------------------------------------------------------------------


def _parse_jsonl(lines: Lines, options: ParseOptions, summary: Summary) -> Iterator[ParsedRecord]:
    text_keys = list(options.text_columns) or [DEFAULT_JSON_TEXT_KEY]
    id_key = options.id_column or DEFAULT_JSON_ID_KEY
    summary.text_columns, summary.id_column = text_keys, id_key
    for line_number, line in lines:
        if not line.strip():
            continue
        try:
            obj = load_json_object(_content(line))
        except JsonRefused as exc:
            raise IngestError(f"Line {line_number} {exc}.") from None
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
        _add_fields(summary, fields, line_number)
        yield ParsedRecord(line_number, str(raw_id).strip(), "\n\n".join(parts), fields)


def _add_fields(summary: Summary, fields: dict[str, Any], line_number: int) -> None:
    """Field names become structured columns: as many and as long as a CSV header's."""
    new = [name for name in fields if name not in summary.structured]
    if any(len(name) > MAX_NAME_LENGTH for name in new):
        raise IngestError(f"Line {line_number}: a field name is longer than 200 characters.")
    summary.structured.update(dict.fromkeys(new))
    if len(summary.structured) > MAX_COLUMNS:
        raise IngestError(f"Line {line_number}: the file has more than {MAX_COLUMNS} fields.")


# --- Plain text --------------------------------------------------------------------------


def _plain(lines: Lines, options: ParseOptions, summary: Summary) -> Iterator[ParsedRecord]:
    if options.source_format == "text_lines":
        for line_number, line in lines:
            if line.strip():
                yield ParsedRecord(line_number, str(line_number), line.strip(), {})
        return
    yield from _text_blocks(lines, options)


def _text_blocks(lines: Iterable[tuple[int, str]], options: ParseOptions) -> Iterator[ParsedRecord]:
    block: list[str] = []
    chars = count = 0
    for _, line in chain(lines, [(0, "")]):
        if line.strip():
            block.append(_content(line))
            chars += len(line) + 1
            if chars > options.max_record_chars + 1:  # refused before the block grows on
                raise IngestError(
                    f"Record {count + 1}: the text is longer than the limit per record of "
                    f"{options.max_record_chars:,} characters."
                )
        elif block:
            count += 1
            yield ParsedRecord(count, str(count), "\n".join(block).strip(), {})
            block, chars = [], 0
