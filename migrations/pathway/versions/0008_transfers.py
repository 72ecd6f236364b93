"""Step up and step down: transfers between early help and Family Safeguarding.

Revision ID: pathway_transfers
Revises: pathway_early_help
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "pathway_transfers"
down_revision: str | None = "pathway_early_help"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transfer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("sending_team_id", sa.Uuid(), nullable=False),
        sa.Column("receiving_team_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("current_picture", sa.String(length=4000), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("meeting_held_on", sa.Date(), nullable=True),
        sa.Column("meeting_notes", sa.String(length=4000), nullable=True),
        sa.Column("requested_by", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'accepted') = (accepted_at IS NOT NULL AND meeting_held_on IS NOT NULL)",
            name=op.f("ck_transfer_accepted_fields"),
        ),
        sa.CheckConstraint(
            "direction IN ('step_up', 'step_down')", name=op.f("ck_transfer_direction")
        ),
        sa.CheckConstraint("status IN ('requested', 'accepted')", name=op.f("ck_transfer_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer")),
        schema="pathway",
    )
    op.create_index(
        "ix_transfer_receiving_team_id",
        "transfer",
        ["receiving_team_id"],
        unique=False,
        schema="pathway",
    )
    op.create_index(
        "uq_transfer_requested_case",
        "transfer",
        ["case_id"],
        unique=True,
        schema="pathway",
        postgresql_where=sa.text("status = 'requested'"),
    )


def downgrade() -> None:
    op.drop_index(
        "uq_transfer_requested_case",
        table_name="transfer",
        schema="pathway",
        postgresql_where=sa.text("status = 'requested'"),
    )
    op.drop_index("ix_transfer_receiving_team_id", table_name="transfer", schema="pathway")
    op.drop_table("transfer", schema="pathway")
