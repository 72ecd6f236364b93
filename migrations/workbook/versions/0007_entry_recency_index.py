"""Search newest first: entries by event time across cases, so a page of hits costs a page.

Revision ID: workbook_0007
Revises: workbook_0006
Create Date: 2026-11-30

A plain CREATE INDEX, inside the migration's transaction (every revision of a schema runs in
one, under the migrator's advisory lock): it blocks writes to `entry`, never reads, while it
builds; about 2 s for a million entries here (bench/README.md).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "workbook_0007"
down_revision: str | None = "workbook_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"


def upgrade() -> None:
    op.create_index("ix_entry_event_at_id", "entry", ["event_at", "id"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_index("ix_entry_event_at_id", table_name="entry", schema=SCHEMA)
