"""From a file's rows to the records upserts take, with every error named by row and column."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from workbook_api.external.schemas import EXTERNAL_KEY_PATTERN
from workbook_api.external.service.batch import Keyed, RowError
from workbook_api.imports.columns import Layout
from workbook_api.imports.reader import Row

_KEY = re.compile(EXTERNAL_KEY_PATTERN)
# Messages of our own where the validator's would quote part of the value.
_MESSAGES = {"uuid_parsing": "Must be an id (a UUID).", "uuid_type": "Must be an id (a UUID)."}


@dataclass
class Parsed:
    """A chunk's rows as records, and the errors of the rows that are not."""

    items: list[Keyed[Any]] = field(default_factory=list)
    errors: dict[int, list[RowError]] = field(default_factory=dict)


def _validation_errors(layout: Layout, exc: ValidationError) -> list[RowError]:
    errors = []
    for error in exc.errors(include_input=False, include_url=False):
        location = error.get("loc", ())
        member = str(location[0]) if location else None
        column = layout.column_for(member) if member is not None else None
        code = str(error.get("type", "invalid"))
        message = _MESSAGES.get(code) or str(error.get("msg", "")).removeprefix("Value error, ")
        errors.append(RowError(column, code, message))
    return errors


def parse_row(layout: Layout, row: Row) -> Keyed[Any] | list[RowError]:
    """One row as a keyed record, or what is wrong with it."""
    if row.problem is not None:
        where, code, message = row.problem
        return [RowError(where, code, message)]
    key = row.values.get(layout.key)
    errors: list[RowError] = []
    if key is None:
        errors.append(RowError(layout.key, "missing", "Every row needs its external id."))
    elif not _KEY.match(key):
        errors.append(
            RowError(layout.key, "string_pattern_mismatch", "Letters, digits, '.', '_' and '-'.")
        )
    data: dict[str, Any] = {}
    for column in layout.columns:
        raw = row.values.get(column.name)
        if raw is None:
            continue
        try:
            data[column.member] = column.parse(raw)
        except ValueError as exc:
            errors.append(RowError(column.name, "invalid", str(exc)))
    record: BaseModel | None = None
    try:
        record = layout.record.model_validate(data)
    except ValidationError as exc:
        known: set[str | None] = {e.field for e in errors}
        errors.extend(e for e in _validation_errors(layout, exc) if e.field not in known)
    if errors or record is None or key is None:
        return errors
    return Keyed(row.number, key, record)


def parse_rows(layout: Layout, rows: list[Row]) -> Parsed:
    """A chunk of rows as records and errors."""
    parsed = Parsed()
    for row in rows:
        result = parse_row(layout, row)
        if isinstance(result, Keyed):
            parsed.items.append(result)
        else:
            parsed.errors[row.number] = result
    return parsed
