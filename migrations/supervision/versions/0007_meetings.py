"""Group Case Supervision meetings: agenda, invitees and their attendance, changes.

Revision ID: supervision_meetings
Revises: supervision_cadence
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "supervision_meetings"
down_revision: str | None = "supervision_cadence"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "supervision"


def upgrade() -> None:
    op.create_table(
        "meeting",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("chair_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("booked_by", sa.Uuid(), nullable=False),
        sa.Column(
            "booked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=2000), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('scheduled', 'cancelled')", name=op.f("ck_meeting_status")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_meeting_ends_after_start")),
        sa.CheckConstraint(
            "(status = 'scheduled' AND cancelled_at IS NULL AND cancel_reason IS NULL)"
            " OR (status = 'cancelled' AND cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL)",
            name=op.f("ck_meeting_cancelled_fields"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_meeting_team_id_starts_at", "meeting", ["team_id", "starts_at"], schema=SCHEMA
    )
    op.create_table(
        "meeting_case",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            [f"{SCHEMA}.meeting.id"],
            name=op.f("fk_meeting_case_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "case_id", name=op.f("pk_meeting_case")),
        schema=SCHEMA,
    )
    op.create_index("ix_meeting_case_case_id", "meeting_case", ["case_id"], schema=SCHEMA)
    op.create_table(
        "meeting_invitee",
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("invited_as", sa.String(length=16), nullable=False),
        sa.Column("attendance", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "attendance IN ('invited', 'attended', 'apologies', 'absent')",
            name=op.f("ck_meeting_invitee_attendance"),
        ),
        sa.CheckConstraint(
            "invited_as IN ('chair', 'allocated')", name=op.f("ck_meeting_invitee_invited_as")
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            [f"{SCHEMA}.meeting.id"],
            name=op.f("fk_meeting_invitee_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("meeting_id", "practitioner_id", name=op.f("pk_meeting_invitee")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_meeting_invitee_practitioner_id", "meeting_invitee", ["practitioner_id"], schema=SCHEMA
    )
    op.create_table(
        "meeting_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=True),
        sa.Column("changed_by", sa.Uuid(), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "change IN ('booked', 'rescheduled', 'cancelled')",
            name=op.f("ck_meeting_change_change"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            [f"{SCHEMA}.meeting.id"],
            name=op.f("fk_meeting_change_meeting_id_meeting"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_change")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_meeting_change_meeting_id_sequence",
        "meeting_change",
        ["meeting_id", "sequence"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("meeting_change", schema=SCHEMA)
    op.drop_table("meeting_invitee", schema=SCHEMA)
    op.drop_table("meeting_case", schema=SCHEMA)
    op.drop_table("meeting", schema=SCHEMA)
