"""The outcomes framework: framework and settings versions, data-matching imports as counts.

Revision ID: pathway_outcomes_framework
Revises: pathway_claims
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "pathway_outcomes_framework"
down_revision: str | None = "pathway_claims"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "pathway"


def _published() -> list[sa.Column[object]]:
    return [
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "outcome_framework",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("outcomes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("measures", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        *_published(),
        sa.CheckConstraint("version >= 1", name=op.f("ck_outcome_framework_version_positive")),
        sa.PrimaryKeyConstraint("code", "version", name=op.f("pk_outcome_framework")),
        schema=SCHEMA,
    )
    op.create_table(
        "outcome_settings",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("minimum_cell_count", sa.Integer(), nullable=False),
        sa.Column("localities", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        *_published(),
        sa.CheckConstraint("version >= 1", name=op.f("ck_outcome_settings_version_positive")),
        sa.CheckConstraint(
            "minimum_cell_count >= 2", name=op.f("ck_outcome_settings_minimum_cell_count")
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_outcome_settings")),
        schema=SCHEMA,
    )
    op.create_table(
        "outcome_import",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dataset", sa.String(length=40), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("teams", postgresql.ARRAY(sa.Uuid()), nullable=True),
        sa.Column("uploaded_by", sa.Uuid(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "extract(day FROM period) = 1", name=op.f("ck_outcome_import_period_month")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_import")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_outcome_import_dataset_period",
        "outcome_import",
        ["dataset", "period"],
        unique=False,
        schema=SCHEMA,
    )
    op.create_table(
        "outcome_import_count",
        sa.Column("import_id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("families", sa.Integer(), nullable=False),
        sa.CheckConstraint("families >= 1", name=op.f("ck_outcome_import_count_families")),
        sa.CheckConstraint("value >= 0", name=op.f("ck_outcome_import_count_value")),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["pathway.outcome_import.id"],
            name=op.f("fk_outcome_import_count_import_id_outcome_import"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "import_id", "team_id", "value", name=op.f("pk_outcome_import_count")
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("outcome_import_count", schema=SCHEMA)
    op.drop_index("ix_outcome_import_dataset_period", table_name="outcome_import", schema=SCHEMA)
    op.drop_table("outcome_import", schema=SCHEMA)
    op.drop_table("outcome_settings", schema=SCHEMA)
    op.drop_table("outcome_framework", schema=SCHEMA)
