"""The team schedule: recurring GCS slots, practitioners' absences, stored proposals.

Revision ID: supervision_team_schedule
Revises: supervision_access_log_time
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "supervision_team_schedule"
down_revision: str | None = "supervision_access_log_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "supervision"


def upgrade() -> None:
    op.create_table(
        "meeting_slot",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("starts_at", sa.Time(), nullable=False),
        sa.Column("duration_minutes", sa.SmallInteger(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("capacity", sa.SmallInteger(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("weekday BETWEEN 0 AND 4", name=op.f("ck_meeting_slot_weekday")),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 15 AND 480", name=op.f("ck_meeting_slot_duration")
        ),
        sa.CheckConstraint("capacity BETWEEN 1 AND 30", name=op.f("ck_meeting_slot_capacity")),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_to >= valid_from", name=op.f("ck_meeting_slot_valid_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_slot")),
        schema=SCHEMA,
    )
    op.create_index("ix_meeting_slot_team_id", "meeting_slot", ["team_id"], schema=SCHEMA)
    op.create_table(
        "absence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_absence_day_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absence")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_absence_practitioner_id_last_day",
        "absence",
        ["practitioner_id", "last_day"],
        schema=SCHEMA,
    )
    op.create_table(
        "schedule_proposal",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("chair_id", sa.Uuid(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("content", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("accepted_by", sa.Uuid(), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("meeting_ids", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed', 'accepted')", name=op.f("ck_schedule_proposal_status")
        ),
        sa.CheckConstraint(
            "(status = 'proposed' AND accepted_at IS NULL AND meeting_ids IS NULL)"
            " OR (status = 'accepted' AND accepted_at IS NOT NULL AND meeting_ids IS NOT NULL)",
            name=op.f("ck_schedule_proposal_accepted_fields"),
        ),
        sa.CheckConstraint("last_day >= first_day", name=op.f("ck_schedule_proposal_day_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_schedule_proposal")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_schedule_proposal_team_id_created_at",
        "schedule_proposal",
        ["team_id", "created_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("schedule_proposal", schema=SCHEMA)
    op.drop_table("absence", schema=SCHEMA)
    op.drop_table("meeting_slot", schema=SCHEMA)
