"""Kernel step v5 (`<schema>_access_log_time`): the audit log indexed by time."""

from __future__ import annotations

from alembic import op


def upgrade_v5(schema: str) -> None:
    """Index the audit log in the access log's order (services/access_log/query.py), so a
    page newest first, or after a cursor, reads the index rather than sorting the whole log."""
    op.create_index(
        "ix_audit_log_occurred_at_position",
        "audit_log",
        ["occurred_at", "position"],
        schema=schema,
    )


def downgrade_v5(schema: str) -> None:
    """Drop what upgrade_v5 added."""
    op.drop_index("ix_audit_log_occurred_at_position", table_name="audit_log", schema=schema)
