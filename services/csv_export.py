"""CSV cells a spreadsheet shows as text: exports of the record and of the access log.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is taken by spreadsheet
programs for a formula (CSV injection); such a cell is prefixed with an apostrophe, which they
show as text and do not evaluate.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> str:
    """Render a cell so a spreadsheet shows it as text rather than running it as a formula."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_line(values: Sequence[object]) -> str:
    """One CSV record (RFC 4180 quoting)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([csv_safe(v) for v in values])
    return buffer.getvalue()
