"""Frozen migration steps for a workflow unit's record of destructions (`certificates.py`)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import UUID as PgUUID

TABLE = "retention_destruction"


def upgrade_destruction_v1(schema: str) -> None:
    """Create `retention_destruction` (frozen: a change is a new step beside this one)."""
    uuid = PgUUID(as_uuid=True)
    op.create_table(
        TABLE,
        sa.Column("case_id", uuid, nullable=False),
        sa.Column("certificate_id", uuid, nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("destroyed", JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=f"pk_{TABLE}"),
        sa.UniqueConstraint("certificate_id", name=f"uq_{TABLE}_certificate_id"),
        schema=schema,
    )


def downgrade_destruction_v1(schema: str) -> None:
    """Drop what `upgrade_destruction_v1` made."""
    op.drop_table(TABLE, schema=schema)
