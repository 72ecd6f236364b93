"""Kernel step v2 (`<schema>_outbox_traceparent`): outbox events carry trace context."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def upgrade_v2(schema: str) -> None:
    """Add the writing request's W3C traceparent to outbox events."""
    op.add_column("outbox_event", sa.Column("traceparent", sa.Text(), nullable=True), schema=schema)


def downgrade_v2(schema: str) -> None:
    """Drop what upgrade_v2 added."""
    op.drop_column("outbox_event", "traceparent", schema=schema)
