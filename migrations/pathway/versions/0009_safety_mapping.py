"""Signs of Safety mappings: three columns and the 0-10 safety scale, kept over time.

Revision ID: pathway_safety_mapping
Revises: pathway_transfers
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pathway_safety_mapping"
down_revision: str | None = "pathway_transfers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "safety_mapping",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("worries", sa.String(length=4000), nullable=False),
        sa.Column("working_well", sa.String(length=4000), nullable=False),
        sa.Column("needs_to_happen", sa.String(length=4000), nullable=False),
        sa.Column("workers_judgement", sa.Integer(), nullable=False),
        sa.Column("family_judgement", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "family_judgement IS NULL OR family_judgement BETWEEN 0 AND 10",
            name=op.f("ck_safety_mapping_family_judgement"),
        ),
        sa.CheckConstraint(
            "workers_judgement BETWEEN 0 AND 10", name=op.f("ck_safety_mapping_workers_judgement")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_mapping")),
        schema="pathway",
    )
    op.create_index(
        "ix_safety_mapping_case_id_recorded_at",
        "safety_mapping",
        ["case_id", "recorded_at"],
        unique=False,
        schema="pathway",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_safety_mapping_case_id_recorded_at", table_name="safety_mapping", schema="pathway"
    )
    op.drop_table("safety_mapping", schema="pathway")
