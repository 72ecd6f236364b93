"""Frozen migration steps for the retention tables, called from a unit's revision."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade_v1(schema: str) -> None:
    """Create legal holds, reviews and destruction certificates."""
    uuid = postgresql.UUID(as_uuid=True)
    op.create_table(
        "retention_hold",
        sa.Column("id", uuid, nullable=False),
        sa.Column("case_id", uuid, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_by", uuid, nullable=False),
        sa.Column("placed_by_name", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("lifted_by", uuid, nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_retention_hold"),
        schema=schema,
    )
    op.create_index("ix_retention_hold_case_id", "retention_hold", ["case_id"], schema=schema)
    op.create_table(
        "retention_review",
        sa.Column("id", uuid, nullable=False),
        sa.Column("case_id", uuid, nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("reviewed_by", uuid, nullable=False),
        sa.Column("reviewed_by_name", sa.Text(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_retention_review"),
        schema=schema,
    )
    op.create_index(
        "ix_retention_review_case_id_reviewed_at",
        "retention_review",
        ["case_id", "reviewed_at"],
        schema=schema,
    )
    op.create_table(
        "retention_certificate",
        sa.Column("id", uuid, nullable=False),
        sa.Column("case_id", uuid, nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("review_id", uuid, nullable=False),
        sa.Column("reviewed_by", uuid, nullable=False),
        sa.Column("review_reason", sa.Text(), nullable=False),
        sa.Column("operator", sa.Text(), nullable=False),
        sa.Column(
            "destroyed_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False
        ),
        sa.Column("destroyed", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_retention_certificate"),
        sa.UniqueConstraint("case_id", name="uq_retention_certificate_case_id"),
        schema=schema,
    )
