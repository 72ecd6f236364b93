"""Amendments of a final record's decisions and actions: which one an amendment corrects.

Revision ID: supervision_item_amendments
Revises: supervision_team_schedule
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "supervision_item_amendments"
down_revision: str | None = "supervision_team_schedule"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "supervision"


def upgrade() -> None:
    op.add_column(
        "record_amendment", sa.Column("decision_id", sa.Uuid(), nullable=True), schema=SCHEMA
    )
    op.add_column(
        "record_amendment", sa.Column("action_id", sa.Uuid(), nullable=True), schema=SCHEMA
    )
    op.create_foreign_key(
        op.f("fk_record_amendment_decision_id_decision"),
        "record_amendment",
        "decision",
        ["decision_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
        ondelete="CASCADE",
    )
    op.create_foreign_key(
        op.f("fk_record_amendment_action_id_gcs_action"),
        "record_amendment",
        "gcs_action",
        ["action_id"],
        ["id"],
        source_schema=SCHEMA,
        referent_schema=SCHEMA,
        ondelete="CASCADE",
    )
    op.create_check_constraint(
        op.f("ck_record_amendment_one_target"),
        "record_amendment",
        "decision_id IS NULL OR action_id IS NULL",
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("ck_record_amendment_one_target"), "record_amendment", schema=SCHEMA, type_="check"
    )
    op.drop_column("record_amendment", "action_id", schema=SCHEMA)
    op.drop_column("record_amendment", "decision_id", schema=SCHEMA)
