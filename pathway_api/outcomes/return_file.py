"""Reading a data-matching return: a CSV of `family_id,value`, faults named by row and field.

Row 1 is the header. Every fault in the file is reported (up to a limit), so a manager fixes
the file once; a file with any fault is refused whole.
"""

from __future__ import annotations

import csv
import io
import uuid
from dataclasses import dataclass

from services.errors import FieldError

HEADER = ("family_id", "value")
MAX_VALUE = 1_000_000
MAX_ERRORS = 50
# Every fault of a file's content has this code: no schema can state a CSV's lines.
RETURN_FAULT = "return_fault"


@dataclass(frozen=True)
class MatchedFamily:
    """One line of a return: a family and its value (a count of days, sessions, call-outs)."""

    row: int
    family_id: uuid.UUID
    value: int


def row_error(row: int, field: str, message: str) -> FieldError:
    """A fault at one row's field, located as the body's `csv` member."""
    return FieldError(("body", "csv", f"row {row}", field), message, RETURN_FAULT)


def whole_number(text: str) -> int | None:
    """A count from 0 to MAX_VALUE written in ASCII digits, or None."""
    if not (text.isascii() and text.isdigit()):
        return None
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(MAX_VALUE)):
        return None
    number = int(digits)
    return number if number <= MAX_VALUE else None


def read_return(text: str) -> tuple[list[MatchedFamily], list[FieldError]]:
    """The families of a return, and its faults (none when it can be used)."""
    try:
        lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    except csv.Error:
        return [], [row_error(1, "file", "Not a CSV file this service can read.")]
    errors: list[FieldError] = []
    if not lines or tuple(cell.strip().lower() for cell in lines[0]) != HEADER:
        return [], [row_error(1, "header", "The first line must be: family_id,value")]
    families: list[MatchedFamily] = []
    seen: dict[uuid.UUID, int] = {}
    for number, cells in enumerate(lines[1:], start=2):
        if not cells or all(not cell.strip() for cell in cells):
            continue
        if len(cells) != len(HEADER):
            errors.append(row_error(number, "line", "A line has two values: family_id,value"))
            continue
        raw_family, raw_value = (cell.strip() for cell in cells)
        family_id: uuid.UUID | None = None
        try:
            family_id = uuid.UUID(raw_family)
        except ValueError:
            errors.append(row_error(number, "family_id", "Not a family id (a UUID)."))
        value = whole_number(raw_value)
        if value is None:
            errors.append(row_error(number, "value", f"Not a whole number from 0 to {MAX_VALUE}."))
        if family_id is not None and family_id in seen:
            errors.append(
                row_error(number, "family_id", f"The family is already on row {seen[family_id]}.")
            )
        elif family_id is not None and value is not None:
            seen[family_id] = number
            families.append(MatchedFamily(number, family_id, value))
    if not errors and not families:
        errors.append(row_error(2, "line", "The return lists no families."))
    return families, errors[:MAX_ERRORS]
