"""Tombstoning a destroyed case's narrative: one helper for every unit's list of what it holds.

A unit names each table holding words about a case (`Narrative`): how a row reaches the case
(its own case column, or through parent rows), which text columns are narrative, which JSON
columns hold structured detail, and its version column if clients cache it. `tombstone_case`
replaces each non-NULL narrative text by the tombstone naming the certificate (NULL stays NULL,
so a tombstone never invents text), empties JSON detail, bumps versions so ETags and synced
copies see the change, and counts the rows per kind for the certificate. Everything else in a
row (ids, times, kinds, statuses, who in their role) is the skeleton and stays, so chronologies
and the audit log still point at records that exist.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, String, Table, literal, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession


def tombstone(certificate_id: UUID) -> str:
    """What replaces destroyed text, naming the workbook's certificate."""
    return f"[destroyed under the retention schedule; certificate {certificate_id}]"


@dataclass(frozen=True)
class Via:
    """A row reaches its case through a parent: `column` holds the parent's `parent_key`, and
    the parent reaches the case by its own `case_column` or, further up, by its own `via`."""

    column: str
    parent: Table
    parent_key: str = "id"
    case_column: str = "case_id"
    via: Via | None = None


@dataclass(frozen=True)
class Narrative:
    """One table's narrative about a case, as a unit declares it for destruction."""

    kind: str
    table: Table
    text: Sequence[str] = ()
    # Structured detail: emptied to `empty` ({} or []) where present.
    json: Sequence[str] = ()
    empty: Any = None
    # JSON holding a list of objects (or one object) whose named members are words: those
    # members are tombstoned and the rest (ids, codes, dates) kept, e.g. a review's progress
    # on each target keeps the target and the progress code, loses the note.
    json_words: Mapping[str, Sequence[str]] = field(default_factory=dict)
    # Restricted detail nobody may see again even as a tombstone: set to NULL.
    nulled: Sequence[str] = ()
    case_column: str = "case_id"
    via: Via | None = None
    version: str | None = None


def _ids_of_case(via: Via, case_id: UUID) -> Any:
    parent = via.parent
    if via.via is None:
        where = parent.c[via.case_column] == case_id
    else:
        where = parent.c[via.via.column].in_(_ids_of_case(via.via, case_id))
    return select(parent.c[via.parent_key]).where(where)


def case_rows(narrative: Narrative | Table, case_id: UUID, via: Via | None = None) -> Any:
    """The predicate selecting a table's rows about the case."""
    if isinstance(narrative, Narrative):
        table, via, column = narrative.table, narrative.via, narrative.case_column
    else:
        table, column = narrative, "case_id"
    if via is None:
        return table.c[column] == case_id
    return table.c[via.column].in_(_ids_of_case(via, case_id))


def _blank(column: Any, text: str) -> ColumnElement[Any]:
    # A bounded column (VARCHAR(n)) takes as much of the tombstone as fits.
    length = column.type.length if isinstance(column.type, String) else None
    words = text[:length] if length else text
    return sql_case((column.is_(None), None), else_=literal(words))


def _emptied(column: Any, empty: Any) -> ColumnElement[Any]:
    return sql_case((column.is_(None), None), else_=literal(empty, JSONB))


def tombstone_values(narrative: Narrative, text: str) -> dict[str, Any]:
    """The SET clause that tombstones one table's narrative."""
    table = narrative.table
    values: dict[str, Any] = {name: _blank(table.c[name], text) for name in narrative.text}
    empty = {} if narrative.empty is None else narrative.empty
    values |= {name: _emptied(table.c[name], empty) for name in narrative.json}
    values |= {name: None for name in narrative.nulled}
    if narrative.version is not None:
        values[narrative.version] = table.c[narrative.version] + 1
    return values


async def tombstone_case(
    session: AsyncSession, narratives: Sequence[Narrative], case_id: UUID, text: str
) -> dict[str, int]:
    """Tombstone every listed table's rows about the case; rows per kind (in the caller's
    transaction, a statement per table, so it costs the same for ten rows or ten thousand)."""
    counts: dict[str, int] = {}
    for narrative in narratives:
        result = await session.execute(
            update(narrative.table)
            .where(case_rows(narrative, case_id))
            .values(tombstone_values(narrative, text))
            .execution_options(synchronize_session=False)
        )
        rows = int(getattr(result, "rowcount", 0) or 0)
        counts[narrative.kind] = counts.get(narrative.kind, 0) + rows
        if narrative.json_words:
            await _tombstone_json_words(session, narrative, case_id, text)
    return counts


def _words_out(value: Any, keys: Sequence[str], text: str) -> Any:
    if isinstance(value, list):
        return [_words_out(item, keys, text) for item in value]
    if isinstance(value, dict):
        return {k: text if k in keys and isinstance(v, str) else v for k, v in value.items()}
    return value


async def _tombstone_json_words(
    session: AsyncSession, narrative: Narrative, case_id: UUID, text: str
) -> None:
    # Row by row in Python: a case holds tens of such rows, and the rule (which members of
    # which elements) reads plainly here rather than as nested jsonb aggregation.
    table = narrative.table
    key = list(table.primary_key.columns)
    columns = [table.c[name] for name in narrative.json_words]
    rows = await session.execute(select(*key, *columns).where(case_rows(narrative, case_id)))
    for row in rows.all():
        ids, values = row[: len(key)], row[len(key) :]
        changed = {
            name: _words_out(value, keys, text)
            for (name, keys), value in zip(narrative.json_words.items(), values, strict=True)
            if value is not None
        }
        if changed:
            await session.execute(
                update(table)
                .where(*(column == value for column, value in zip(key, ids, strict=True)))
                .values(changed)
                .execution_options(synchronize_session=False)
            )


def table_of(model: type[Any]) -> Table:
    """A mapped class's table, for a unit's list of narratives."""
    table = model.__table__
    assert isinstance(table, Table), model
    return table
