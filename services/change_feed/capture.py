"""Capture triggers: every write to a captured table appends to the schema's change log.

Statement-level, with the statement's new rows as a transition table, so a bulk insert of ten
thousand people costs one trigger call and one appended row per family it touched, not a call
per person. Each table's trigger function names what it appends: the kind of record, and SQL
over the written rows for the record's id and its scope (the case or family whose access rule
covers it). A person's row, for example, appends the family it belongs to: the feed renders
whole families.

Triggers rather than calls in each service: a change made by any path (a request, an inbox
handler, an import, a migration's data fix) reaches the feed, and nothing has to remember to.
Migrations call the functions here, so they are frozen: a change is a new function beside them.
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


def _function(schema: str, capture: Capture) -> str:
    return f"{quoted_identifier(schema)}.{quoted_identifier('capture_' + capture.table)}"


def create_capture_triggers_sql(schema: str, capture: Capture) -> list[str]:
    """A trigger function for one table (static SQL, so its plan is cached) and its triggers.

    One function per table rather than one taking the columns as arguments: a generic function
    must build its statement with EXECUTE, planned afresh on every write (it cost a third of a
    one-row insert's throughput; bench/change_feed_bench.py).
    """
    q = quoted_identifier(schema)
    table = quoted_identifier(capture.table)
    function = _function(schema, capture)
    body = f"""
        CREATE FUNCTION {function}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {q}.change_log (txid, kind, record_id, scope_id)
            SELECT DISTINCT {CURRENT_TXID_SQL}, {_literal(capture.kind)}, {capture.record_id},
                {capture.scope_id}
            FROM new_rows;
            RETURN NULL;
        END
        $$
        """
    return [body] + [
        f"CREATE TRIGGER capture_change_{operation.lower()} AFTER {operation} ON {q}.{table}"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        for operation in ("INSERT", "UPDATE")
    ]


def drop_capture_triggers_sql(schema: str, capture: Capture) -> list[str]:
    """Drop what create_capture_triggers_sql made."""
    q = quoted_identifier(schema)
    table = quoted_identifier(capture.table)
    return [
        *(
            f"DROP TRIGGER capture_change_{operation} ON {q}.{table}"
            for operation in ("insert", "update")
        ),
        f"DROP FUNCTION {_function(schema, capture)}()",
    ]


@dataclass(frozen=True)
class JoinedCapture:
    """What a write to one table appends when a record is filed under several scopes.

    `source` is a FROM clause over the transition table `new_rows` (joined to whatever names the
    scopes, with a WHERE when some joined rows name nothing), and `record_id` and `scope_id` are
    SQL over it: one row is appended per record and scope (a meeting under each case on its
    agenda), or per record a row touches (a new version and the version it supersedes).
    """

    table: str
    kind: str
    source: str
    record_id: str
    scope_id: str
    # SQL over `source` for the kind, when one write changes records of several kinds (a
    # session, and the enrolment whose attendance it counts); `kind` is then unused.
    kind_sql: str | None = None


def create_joined_capture_triggers_sql(schema: str, capture: JoinedCapture) -> list[str]:
    """create_capture_triggers_sql for a JoinedCapture (dropped by drop_capture_triggers_sql)."""
    q = quoted_identifier(schema)
    table = quoted_identifier(capture.table)
    function = f"{q}.{quoted_identifier('capture_' + capture.table)}"
    body = f"""
        CREATE FUNCTION {function}() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO {q}.change_log (txid, kind, record_id, scope_id)
            SELECT DISTINCT {CURRENT_TXID_SQL}, {capture.kind_sql or _literal(capture.kind)},
                {capture.record_id}, {capture.scope_id}
            FROM {capture.source};
            RETURN NULL;
        END
        $$
        """
    return [body] + [
        f"CREATE TRIGGER capture_change_{operation.lower()} AFTER {operation} ON {q}.{table}"
        f" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        for operation in ("INSERT", "UPDATE")
    ]
