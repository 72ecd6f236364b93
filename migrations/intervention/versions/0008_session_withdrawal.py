"""Programme sessions withdrawn as entered in error: when, by whom, why.

Revision ID: intervention_session_withdrawal
Revises: intervention_enrolments
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intervention_session_withdrawal"
down_revision: str | None = "intervention_enrolments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "intervention"
TABLE = "programme_session"


def upgrade() -> None:
    op.add_column(
        TABLE, sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True), schema=SCHEMA
    )
    op.add_column(TABLE, sa.Column("withdrawn_by", sa.Uuid(), nullable=True), schema=SCHEMA)
    op.add_column(TABLE, sa.Column("withdrawal_reason", sa.Text(), nullable=True), schema=SCHEMA)
    op.create_check_constraint(
        op.f("ck_programme_session_reason_when_withdrawn"),
        TABLE,
        "(withdrawn_at IS NULL) = (withdrawal_reason IS NULL)",
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_programme_session_reason_when_withdrawn"), TABLE, type_="check", schema=SCHEMA
    )
    op.drop_column(TABLE, "withdrawal_reason", schema=SCHEMA)
    op.drop_column(TABLE, "withdrawn_by", schema=SCHEMA)
    op.drop_column(TABLE, "withdrawn_at", schema=SCHEMA)
