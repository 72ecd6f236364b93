"""Every change of a module's progress kept (who, when, from, to, why); the caseload's keyset.

Revision ID: intervention_progress_history
Revises: intervention_session_evidence
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intervention_progress_history"
down_revision: str | None = "intervention_session_evidence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "intervention"
TABLE = "module_progress_change"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enrolment_id", sa.Uuid(), nullable=False),
        sa.Column("module_code", sa.String(length=64), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=False),
        sa.Column("to_status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("changed_by", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=True),
        sa.CheckConstraint(
            "to_status IN ('not_started', 'in_progress', 'completed', 'not_applicable')",
            name=op.f("ck_module_progress_change_to_status"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            [f"{SCHEMA}.enrolment.id"],
            name=op.f("fk_module_progress_change_enrolment_id_enrolment"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_module_progress_change")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_module_progress_change_enrolment_id_changed_at_id",
        TABLE,
        ["enrolment_id", "changed_at", "id"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_enrolment_active_enrolled_at_id",
        "enrolment",
        ["enrolled_at", "id"],
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'active'"),
    )


def downgrade() -> None:
    op.drop_index("ix_enrolment_active_enrolled_at_id", table_name="enrolment", schema=SCHEMA)
    op.drop_index(
        "ix_module_progress_change_enrolment_id_changed_at_id", table_name=TABLE, schema=SCHEMA
    )
    op.drop_table(TABLE, schema=SCHEMA)
