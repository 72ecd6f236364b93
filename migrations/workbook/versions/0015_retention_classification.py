"""Retention classifications: a case's record kept longer because a child on it became looked
after or was adopted.

Revision ID: workbook_retention_classes
Revises: workbook_subject_access
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "workbook_retention_classes"
down_revision: str | None = "workbook_subject_access"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"


def upgrade() -> None:
    uuid = postgresql.UUID(as_uuid=True)
    op.create_table(
        "retention_classification",
        sa.Column("id", uuid, nullable=False),
        sa.Column("case_id", uuid, nullable=False),
        sa.Column("person_id", uuid, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by", uuid, nullable=False),
        sa.Column("recorded_by_name", sa.Text(), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("withdrawn_by", uuid, nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdraw_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.CheckConstraint(
            "kind IN ('looked_after', 'adoption')",
            name=op.f("ck_retention_classification_kind"),
        ),
        sa.CheckConstraint(
            "(withdrawn_at IS NULL AND withdrawn_by IS NULL AND withdraw_reason IS NULL)"
            " OR (withdrawn_at IS NOT NULL AND withdrawn_by IS NOT NULL"
            " AND withdraw_reason IS NOT NULL)",
            name=op.f("ck_retention_classification_withdrawn_fields"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["workbook.safeguarding_case.id"],
            name=op.f("fk_retention_classification_case_id_safeguarding_case"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["workbook.person.id"],
            name=op.f("fk_retention_classification_person_id_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_classification")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_retention_classification_case_id",
        "retention_classification",
        ["case_id"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_retention_classification_person_id",
        "retention_classification",
        ["person_id"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("retention_classification", schema=SCHEMA)
