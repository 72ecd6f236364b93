"""Kernel step v3 (`<schema>_audit_sealing`): the audit chain is sealed off the request path."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.audit_ddl import (
    create_audit_guards_sql,
    create_sealing_guards_sql,
    drop_audit_guards_sql,
    drop_sealing_guards_sql,
    quoted_identifier,
)

_AUDIT_CONTENT = (
    "id, occurred_at, actor_subject, actor_practitioner_id, action, resource_type, resource_id,"
    " case_id, purpose, outcome, request_id, details"
)


def upgrade_v3(schema: str) -> None:
    """Seal the audit chain off the request path: rows go in unsealed, a sealer chains them.

    Existing rows keep their seq and hashes (the canonical form is unchanged) and take their
    seq as position, so the log's order is preserved. The table is rewritten once.
    """
    q = quoted_identifier(schema)
    for statement in drop_audit_guards_sql(schema):
        op.execute(statement)
    op.drop_index("ix_audit_log_actor_subject_seq", table_name="audit_log", schema=schema)
    op.drop_index("ix_audit_log_case_id_seq", table_name="audit_log", schema=schema)
    op.drop_constraint("pk_audit_log", "audit_log", type_="primary", schema=schema)
    op.add_column("audit_log", sa.Column("position", sa.BigInteger(), nullable=True), schema=schema)
    op.add_column("audit_log", sa.Column("txid", sa.BigInteger(), nullable=True), schema=schema)
    # S608 does not apply to these statements: the schema is a checked identifier from code.
    op.execute(f"UPDATE {q}.audit_log SET position = seq")  # noqa: S608
    op.alter_column("audit_log", "position", nullable=False, schema=schema)
    op.execute(f"ALTER TABLE {q}.audit_log ALTER COLUMN position ADD GENERATED ALWAYS AS IDENTITY")
    op.execute(
        f"SELECT setval(pg_get_serial_sequence('{q}.audit_log', 'position'),"  # noqa: S608
        f" coalesce(max(position), 0) + 1, false) FROM {q}.audit_log"
    )
    op.create_primary_key("pk_audit_log", "audit_log", ["position"], schema=schema)
    for column in ("seq", "prev_hash", "hash"):
        op.alter_column("audit_log", column, nullable=True, schema=schema)
    op.create_unique_constraint("uq_audit_log_seq", "audit_log", ["seq"], schema=schema)
    op.create_check_constraint(
        op.f("ck_audit_log_sealed_together"),
        "audit_log",
        "(seq IS NULL) = (prev_hash IS NULL) AND (seq IS NULL) = (hash IS NULL)",
        schema=schema,
    )
    op.create_index(
        "ix_audit_log_case_id_position", "audit_log", ["case_id", "position"], schema=schema
    )
    op.create_index(
        "ix_audit_log_actor_subject_position",
        "audit_log",
        ["actor_subject", "position"],
        schema=schema,
    )
    op.create_index(
        "ix_audit_log_unsealed",
        "audit_log",
        ["txid", "position"],
        postgresql_where=sa.text("seq IS NULL"),
        schema=schema,
    )
    for statement in create_sealing_guards_sql(schema):
        op.execute(statement)


def downgrade_v3(schema: str) -> None:
    """Return to v2; rows not yet sealed are re-inserted, in sealing order, to be chained."""
    q = quoted_identifier(schema)
    for statement in drop_sealing_guards_sql(schema):
        op.execute(statement)
    op.execute(
        f"CREATE TEMPORARY TABLE audit_log_unsealed AS SELECT {_AUDIT_CONTENT},"  # noqa: S608
        f" row_number() OVER (ORDER BY txid, position) AS sealing_order"
        f" FROM {q}.audit_log WHERE seq IS NULL"
    )
    op.execute(f"DELETE FROM {q}.audit_log WHERE seq IS NULL")  # noqa: S608
    op.drop_index("ix_audit_log_unsealed", table_name="audit_log", schema=schema)
    op.drop_index("ix_audit_log_actor_subject_position", table_name="audit_log", schema=schema)
    op.drop_index("ix_audit_log_case_id_position", table_name="audit_log", schema=schema)
    op.drop_constraint(
        op.f("ck_audit_log_sealed_together"), "audit_log", type_="check", schema=schema
    )
    op.drop_constraint("uq_audit_log_seq", "audit_log", type_="unique", schema=schema)
    op.drop_constraint("pk_audit_log", "audit_log", type_="primary", schema=schema)
    op.drop_column("audit_log", "txid", schema=schema)
    op.drop_column("audit_log", "position", schema=schema)
    for column in ("seq", "prev_hash", "hash"):
        op.alter_column("audit_log", column, nullable=False, schema=schema)
    op.create_primary_key("pk_audit_log", "audit_log", ["seq"], schema=schema)
    op.create_index("ix_audit_log_case_id_seq", "audit_log", ["case_id", "seq"], schema=schema)
    op.create_index(
        "ix_audit_log_actor_subject_seq", "audit_log", ["actor_subject", "seq"], schema=schema
    )
    for statement in create_audit_guards_sql(schema):
        op.execute(statement)
    # v1's trigger chains each row as it goes in, in the order given here.
    op.execute(
        f"INSERT INTO {q}.audit_log (seq, prev_hash, hash, {_AUDIT_CONTENT})"  # noqa: S608
        f" SELECT 0, '', '', {_AUDIT_CONTENT} FROM audit_log_unsealed ORDER BY sealing_order"
    )
    op.execute("DROP TABLE audit_log_unsealed")
