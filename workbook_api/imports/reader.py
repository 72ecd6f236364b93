"""Reading an extract: gzip or not, CSV or NDJSON, into numbered rows of text values.

Rows are numbered as a person finds them: in a CSV the header is row 1 and the first record
row 2 (as a spreadsheet shows it); in NDJSON a row is its line number. A file that cannot be
read at all (not UTF-8, a broken gzip stream, a CSV header that lacks required columns or has
unknown ones) is refused as a whole; a row that cannot be read is reported and skipped.
"""

from __future__ import annotations

import csv
import io
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass

from workbook_api.imports.columns import Layout

# Cells and lines longer than this are refused, bounding what one row can hold.
MAX_FIELD_CHARS = 10_000


class UnreadableFile(ValueError):
    """The file as a whole cannot be read; the message says why, for a person."""


@dataclass(slots=True)
class Row:
    """One row of a file: its number, its values by column (None: empty), or why not."""

    number: int
    values: dict[str, str | None]
    problem: tuple[str | None, str, str] | None = None  # (column, code, message)


def decompress(content: bytes, encoding: str, limit: int) -> bytes:
    """The file's bytes as written, refusing more than `limit` of them."""
    if encoding == "identity":
        if len(content) > limit:
            raise UnreadableFile(f"The file is larger than {limit} bytes.")
        return content
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(content, limit + 1)
    except zlib.error:
        raise UnreadableFile("The file is not valid gzip.") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise UnreadableFile(f"The file is larger than {limit} bytes once decompressed.")
    if not inflater.eof:
        raise UnreadableFile("The gzip stream ends early.")
    return data


def decode(data: bytes) -> str:
    """The file as text (UTF-8, with or without a byte-order mark)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile("The file is not UTF-8 text.") from None
    if "\x00" in text:
        raise UnreadableFile("The file contains NUL characters.")
    return text


def check_header(columns: list[str], layout: Layout) -> None:
    """Refuse a header with unknown, repeated or missing columns (naming them)."""
    unknown = sorted(set(columns) - layout.names)
    if unknown:
        raise UnreadableFile(f"Unknown columns for {layout.kind}: {', '.join(unknown)}.")
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise UnreadableFile(f"Columns given twice: {', '.join(repeated)}.")
    missing = sorted(layout.required - set(columns))
    if missing:
        raise UnreadableFile(f"Missing columns for {layout.kind}: {', '.join(missing)}.")


def _cell(value: str) -> str | None:
    stripped = value.strip()
    return stripped or None


def csv_rows(text: str, layout: Layout) -> Iterator[Row]:
    """The records of a CSV file with a header row."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise UnreadableFile("The file is empty.") from None
    except csv.Error:
        raise UnreadableFile("The header row is not valid CSV.") from None
    columns = [name.strip() for name in header]
    check_header(columns, layout)
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            yield Row(number, {}, (None, "malformed", "The row is not valid CSV."))
            continue
        values = [cell.strip() or None for cell in cells]
        if not any(values):
            continue
        if len(cells) != len(columns):
            message = f"The row has {len(cells)} cells; the header has {len(columns)}."
            yield Row(number, {}, (None, "malformed", message))
            continue
        if max(map(len, cells)) > MAX_FIELD_CHARS:
            yield Row(number, {}, (None, "too_long", "A cell of this row is too long."))
            continue
        yield Row(number, dict(zip(columns, values, strict=True)))


def _json_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return _cell(str(value))
    raise ValueError("Must be text, a number or true/false.")


def ndjson_rows(text: str, layout: Layout) -> Iterator[Row]:
    """The records of a file of JSON objects, one per line."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if len(line) > MAX_FIELD_CHARS * 4:
            yield Row(number, {}, (None, "too_long", "The line is too long."))
            continue
        try:
            item = json.loads(line)
        except ValueError:
            yield Row(number, {}, (None, "malformed", "The line is not a JSON object."))
            continue
        if not isinstance(item, dict):
            yield Row(number, {}, (None, "malformed", "The line is not a JSON object."))
            continue
        unknown = sorted(set(item) - layout.names)
        if unknown:
            yield Row(number, {}, (unknown[0], "unknown_column", f"Not a {layout.kind} column."))
            continue
        try:
            values = {name: _json_text(value) for name, value in item.items()}
        except ValueError as exc:
            yield Row(number, {}, (None, "malformed", str(exc)))
            continue
        yield Row(number, values)


def rows(text: str, file_format: str, layout: Layout) -> Iterator[Row]:
    """The rows of a file of either format."""
    if file_format == "csv":
        return csv_rows(text, layout)
    return ndjson_rows(text, layout)


def count_rows(text: str, file_format: str) -> int:
    """How many rows `rows` will yield, counted without reading them (for progress)."""
    if file_format != "csv":
        return sum(1 for line in text.splitlines() if line.strip())
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    count = -1  # the header
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return max(count, 0)
        except csv.Error:
            count += 1
            continue
        if count < 0 or any(cell.strip() for cell in cells):
            count += 1


def first_look(content: bytes, encoding: str, file_format: str, layout: Layout, limit: int) -> None:
    """Refuse at once a file that cannot be read as a whole (a bad header, say)."""
    text = decode(decompress(content, encoding, limit))
    if not text.strip():
        raise UnreadableFile("The file is empty.")
    if file_format == "csv":
        next(csv_rows(text, layout), None)
