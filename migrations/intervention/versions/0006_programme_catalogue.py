"""The programme catalogue: programme versions loaded from catalogue files.

Revision ID: intervention_programmes
Revises: intervention_changes_webhooks
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "intervention_programmes"
down_revision: str | None = "intervention_changes_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "intervention"


def upgrade() -> None:
    op.create_table(
        "programme_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("notice", sa.Text(), nullable=True),
        sa.Column("definition", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("source_format", sa.String(length=8), nullable=False),
        sa.Column("loaded_by", sa.Uuid(), nullable=False),
        sa.Column(
            "loaded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.CheckConstraint(
            "source_format IN ('yaml', 'json')", name=op.f("ck_programme_version_source_format")
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_programme_version_version_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_version")),
        sa.UniqueConstraint("code", "version", name=op.f("uq_programme_version_code_version")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("programme_version", schema=SCHEMA)
