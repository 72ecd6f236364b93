"""Capture the workbook's records in its change log; the mobile push's applied operations.

Every table the change feed renders gets capture triggers (services/change_feed/capture.py),
and the records already there are logged once, so the first read of the feed has them all.

Revision ID: workbook_change_capture
Revises: workbook_changes_webhooks
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from services.change_feed.capture import (
    Capture,
    create_capture_triggers_sql,
    drop_capture_triggers_sql,
)

revision: str = "workbook_change_capture"
down_revision: str | None = "workbook_changes_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"

# Frozen here rather than imported: what this revision installs must not change under it.
CAPTURES = (
    Capture("safeguarding_case", "case", "id", "id"),
    # A new or closed episode changes the case's current episode: the case is sent again.
    Capture("episode", "case", "case_id", "case_id"),
    Capture("allocation", "allocation", "id", "case_id"),
    Capture("entry", "entry", "id", "case_id"),
    Capture("chronology_event", "chronology_event", "id", "case_id"),
    # Members, relationships and identifiers are sent as their whole family.
    Capture("family", "family", "id", "id"),
    Capture("person", "family", "family_id", "family_id"),
    Capture("relationship", "family", "family_id", "family_id"),
    Capture(
        "person_identifier",
        "family",
        "(SELECT p.family_id FROM workbook.person p WHERE p.id = new_rows.person_id)",
        "(SELECT p.family_id FROM workbook.person p WHERE p.id = new_rows.person_id)",
    ),
)

# What is already recorded, logged once in this order (families before their cases' records).
EXISTING = (
    "SELECT 'family', id, id FROM workbook.family",
    "SELECT 'case', id, id FROM workbook.safeguarding_case",
    "SELECT 'allocation', id, case_id FROM workbook.allocation",
    "SELECT 'entry', id, case_id FROM workbook.entry",
    "SELECT 'chronology_event', id, case_id FROM workbook.chronology_event",
)


def upgrade() -> None:
    for capture in CAPTURES:
        for statement in create_capture_triggers_sql(SCHEMA, capture):
            op.execute(statement)
    for select in EXISTING:
        op.execute(f"INSERT INTO workbook.change_log (kind, record_id, scope_id) {select}")
    op.create_table(
        "sync_operation",
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("op_id", sa.Uuid(), nullable=False),
        sa.Column("request_hash", sa.Text(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column(
            "applied_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("subject", "op_id", name="pk_sync_operation"),
        schema=SCHEMA,
    )
    op.create_index("ix_sync_operation_applied_at", "sync_operation", ["applied_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_sync_operation_applied_at", table_name="sync_operation", schema=SCHEMA)
    op.drop_table("sync_operation", schema=SCHEMA)
    for capture in reversed(CAPTURES):
        for statement in drop_capture_triggers_sql(SCHEMA, capture):
            op.execute(statement)
    op.execute("DELETE FROM workbook.change_log")
