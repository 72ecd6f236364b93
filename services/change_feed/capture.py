"""Capture triggers: every write to a captured table appends to the schema's change log.

Statement-level, with the statement's new rows as a transition table, so a bulk insert of ten
thousand people costs one appended row per family it touched, not a trigger call per person.
Each trigger names what it appends: the kind of record, and SQL expressions over the written
rows for the record's id and its scope (the case or family whose access rule covers it). A
person's row, for example, appends the family it belongs to: the feed renders whole families.

Triggers rather than calls in each service: a change made by any path (a request, an inbox
handler, an import, a migration's data fix) reaches the feed, and nothing has to remember to.
The functions here are called by frozen migration steps, so they are frozen too: a change is a
new function beside them.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.audit_ddl import quoted_identifier
from services.change_feed.tables import CURRENT_TXID_SQL


@dataclass(frozen=True)
class Capture:
    """What a write to one table appends to the change log."""

    table: str
    kind: str
    # SQL over the transition table `new_rows`: the changed record's id and its scope's id.
    record_id: str
    scope_id: str


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def create_capture_function_sql(schema: str) -> str:
    """The schema's trigger function that appends one log row per distinct record written."""
    q = quoted_identifier(schema)
    return f"""
        CREATE FUNCTION {q}.capture_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            -- TG_ARGV: the kind, then SQL for the record id and the scope id over new_rows.
            EXECUTE format(
                'INSERT INTO %I.change_log (txid, kind, record_id, scope_id)'
                ' SELECT DISTINCT {CURRENT_TXID_SQL}, %L, %s, %s FROM new_rows',
                TG_TABLE_SCHEMA, TG_ARGV[0], TG_ARGV[1], TG_ARGV[2]);
            RETURN NULL;
        END
        $$
        """


def drop_capture_function_sql(schema: str) -> str:
    """Drop what create_capture_function_sql made (after every trigger that uses it)."""
    return f"DROP FUNCTION {quoted_identifier(schema)}.capture_change()"


def create_capture_triggers_sql(schema: str, capture: Capture) -> list[str]:
    """Triggers that capture inserts and updates of one table."""
    q = quoted_identifier(schema)
    table = quoted_identifier(capture.table)
    arguments = ", ".join(
        _literal(part) for part in (capture.kind, capture.record_id, capture.scope_id)
    )
    return [
        f"CREATE TRIGGER capture_change_{operation.lower()} AFTER {operation} ON {q}.{table}"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT"
        f" EXECUTE FUNCTION {q}.capture_change({arguments})"
        for operation in ("INSERT", "UPDATE")
    ]


def drop_capture_triggers_sql(schema: str, capture: Capture) -> list[str]:
    """Drop what create_capture_triggers_sql made."""
    q = quoted_identifier(schema)
    table = quoted_identifier(capture.table)
    return [
        f"DROP TRIGGER capture_change_{operation} ON {q}.{table}"
        for operation in ("insert", "update")
    ]
