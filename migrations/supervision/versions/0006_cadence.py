"""Group Case Supervision cadence: team and case settings, and each case's last GCS.

Revision ID: supervision_cadence
Revises: supervision_changes_webhooks
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "supervision_cadence"
down_revision: str | None = "supervision_changes_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "supervision"


def upgrade() -> None:
    op.create_table(
        "team_cadence",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("interval_days", sa.SmallInteger(), nullable=False),
        sa.Column("first_due_working_days", sa.SmallInteger(), nullable=False),
        sa.Column("due_soon_working_days", sa.SmallInteger(), nullable=False),
        sa.Column("updated_by", sa.Uuid(), nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "interval_days BETWEEN 7 AND 91", name=op.f("ck_team_cadence_interval_days")
        ),
        sa.CheckConstraint(
            "first_due_working_days BETWEEN 1 AND 60", name=op.f("ck_team_cadence_first_due")
        ),
        sa.CheckConstraint(
            "due_soon_working_days BETWEEN 1 AND 30", name=op.f("ck_team_cadence_due_soon")
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_team_cadence")),
        schema=SCHEMA,
    )
    op.create_table(
        "case_cadence",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("interval_days", sa.SmallInteger(), nullable=True),
        sa.Column("first_due_working_days", sa.SmallInteger(), nullable=True),
        sa.Column("last_gcs_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.Uuid(), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "interval_days BETWEEN 7 AND 91", name=op.f("ck_case_cadence_interval_days")
        ),
        sa.CheckConstraint(
            "first_due_working_days BETWEEN 1 AND 60", name=op.f("ck_case_cadence_first_due")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_cadence")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("case_cadence", schema=SCHEMA)
    op.drop_table("team_cadence", schema=SCHEMA)
