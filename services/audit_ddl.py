"""Database-side guarantees for the audit log: append-only, sealed once, never rewritten.

Since kernel step v2 (services/kernel_migrations/) a request inserts its audit rows unsealed,
taking no lock, and the sealer (services/audit_sealer.py) gives them their place in the hash
chain afterwards. The triggers here make PostgreSQL itself hold the rules for every client, not
only this code: an insert can never claim a place in the chain, an update can only seal an
unsealed row (set seq, prev_hash and hash from NULL, once, changing nothing else), and DELETE
and TRUNCATE are refused.

`create_audit_guards_sql` and `drop_audit_guards_sql` are the v1 triggers (the chain built
under a lock inside each inserting transaction); `create_sealing_guards_sql` and
`drop_sealing_guards_sql` are v2's. Migration steps call them, so all four are frozen: a change
to the guards is a new pair of functions and a new kernel step, never an edit here.
"""

from __future__ import annotations

import re

# The canonical text hashed for each row; services/audit.py recomputes the same form to verify.
# Fields are joined with the unit separator (0x1f), which never occurs in the values we store.
_CANONICAL = """
    NEW.prev_hash || chr(31) || NEW.seq::text || chr(31) || NEW.id::text || chr(31)
    || to_char(NEW.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || chr(31)
    || NEW.actor_subject || chr(31) || coalesce(NEW.actor_practitioner_id::text, '') || chr(31)
    || NEW.action || chr(31) || NEW.resource_type || chr(31) || coalesce(NEW.resource_id, '')
    || chr(31) || coalesce(NEW.case_id::text, '') || chr(31) || NEW.purpose || chr(31)
    || NEW.outcome || chr(31) || NEW.request_id || chr(31) || NEW.details::text
"""


_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def quoted_identifier(name: str) -> str:
    """Quote a schema name from code after checking it is a plain identifier."""
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return f'"{name}"'


def create_audit_guards_sql(schema: str) -> list[str]:
    """SQL that installs the v1 chaining and append-only triggers on `<schema>.audit_log`."""
    # S608 does not apply: the schema is a checked identifier from code, never input.
    q = quoted_identifier(schema)
    return [
        f"""
        CREATE FUNCTION {q}.audit_log_chain() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            last_seq bigint;
            last_hash text;
        BEGIN
            -- Serialise appenders of this schema's chain until their transaction ends.
            PERFORM pg_advisory_xact_lock(hashtextextended('{schema}.audit_log', 0));
            SELECT seq, hash INTO last_seq, last_hash
              FROM {q}.audit_log ORDER BY seq DESC LIMIT 1;
            NEW.seq := coalesce(last_seq, 0) + 1;
            NEW.prev_hash := coalesce(last_hash, repeat('0', 64));
            NEW.occurred_at := coalesce(NEW.occurred_at, now());
            NEW.details := coalesce(NEW.details, '{{}}'::jsonb);
            NEW.hash := encode(sha256(convert_to({_CANONICAL}, 'UTF8')), 'hex');
            RETURN NEW;
        END
        $$
        """,
        f"""
        CREATE FUNCTION {q}.audit_log_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """,
        f"""
        CREATE TRIGGER audit_log_chain BEFORE INSERT ON {q}.audit_log
        FOR EACH ROW EXECUTE FUNCTION {q}.audit_log_chain()
        """,
        f"""
        CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON {q}.audit_log
        FOR EACH ROW EXECUTE FUNCTION {q}.audit_log_refuse_change()
        """,
        f"""
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON {q}.audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION {q}.audit_log_refuse_change()
        """,
    ]


def drop_audit_guards_sql(schema: str) -> list[str]:
    """SQL that removes what create_audit_guards_sql installed (v1)."""
    q = quoted_identifier(schema)
    return [
        f"DROP TRIGGER IF EXISTS audit_log_no_truncate ON {q}.audit_log",
        f"DROP TRIGGER IF EXISTS audit_log_no_update_delete ON {q}.audit_log",
        f"DROP TRIGGER IF EXISTS audit_log_chain ON {q}.audit_log",
        f"DROP FUNCTION IF EXISTS {q}.audit_log_refuse_change()",
        f"DROP FUNCTION IF EXISTS {q}.audit_log_chain()",
    ]


def create_sealing_guards_sql(schema: str) -> list[str]:
    """SQL that installs the v2 triggers: rows go in unsealed, seals are set once (frozen)."""
    q = quoted_identifier(schema)
    return [
        f"""
        CREATE FUNCTION {q}.audit_log_insert_unsealed() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            -- The chain is the sealer's: no insert may claim a place in it. txid is the
            -- top-level transaction, so the sealer keeps one transaction's rows together.
            NEW.seq := NULL;
            NEW.prev_hash := NULL;
            NEW.hash := NULL;
            NEW.txid := pg_current_xact_id()::text::bigint;
            NEW.occurred_at := coalesce(NEW.occurred_at, now());
            NEW.details := coalesce(NEW.details, '{{}}'::jsonb);
            RETURN NEW;
        END
        $$
        """,
        f"""
        CREATE FUNCTION {q}.audit_log_seal_once() RETURNS trigger
        LANGUAGE plpgsql AS $$
        DECLARE
            content {q}.audit_log;
        BEGIN
            IF OLD.seq IS NOT NULL OR OLD.prev_hash IS NOT NULL OR OLD.hash IS NOT NULL THEN
                RAISE EXCEPTION 'audit_log is append-only: a sealed record cannot change'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF NEW.seq IS NULL OR NEW.prev_hash IS NULL OR NEW.hash IS NULL THEN
                RAISE EXCEPTION 'audit_log is append-only: an update may only seal a record'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            -- Every other column, present or future, must be byte-for-byte what was inserted.
            content := NEW;
            content.seq := NULL;
            content.prev_hash := NULL;
            content.hash := NULL;
            IF NOT (content *= OLD) THEN
                RAISE EXCEPTION 'audit_log is append-only: a record''s content cannot change'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN NEW;
        END
        $$
        """,
        f"""
        CREATE FUNCTION {q}.audit_log_refuse_removal() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """,
        f"""
        CREATE TRIGGER audit_log_insert_unsealed BEFORE INSERT ON {q}.audit_log
        FOR EACH ROW EXECUTE FUNCTION {q}.audit_log_insert_unsealed()
        """,
        f"""
        CREATE TRIGGER audit_log_seal_once BEFORE UPDATE ON {q}.audit_log
        FOR EACH ROW EXECUTE FUNCTION {q}.audit_log_seal_once()
        """,
        f"""
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON {q}.audit_log
        FOR EACH ROW EXECUTE FUNCTION {q}.audit_log_refuse_removal()
        """,
        f"""
        CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON {q}.audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION {q}.audit_log_refuse_removal()
        """,
    ]


def drop_sealing_guards_sql(schema: str) -> list[str]:
    """SQL that removes what create_sealing_guards_sql installed."""
    q = quoted_identifier(schema)
    return [
        f"DROP TRIGGER IF EXISTS audit_log_no_truncate ON {q}.audit_log",
        f"DROP TRIGGER IF EXISTS audit_log_no_delete ON {q}.audit_log",
        f"DROP TRIGGER IF EXISTS audit_log_seal_once ON {q}.audit_log",
        f"DROP TRIGGER IF EXISTS audit_log_insert_unsealed ON {q}.audit_log",
        f"DROP FUNCTION IF EXISTS {q}.audit_log_refuse_removal()",
        f"DROP FUNCTION IF EXISTS {q}.audit_log_seal_once()",
        f"DROP FUNCTION IF EXISTS {q}.audit_log_insert_unsealed()",
    ]
