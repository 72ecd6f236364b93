"""Enrolments and their plans, programme sessions, and MITI 4.2.1 codings of sessions.

Revision ID: intervention_enrolments
Revises: intervention_programmes
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "intervention_enrolments"
down_revision: str | None = "intervention_programmes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrolment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("programme_version_id", sa.Uuid(), nullable=False),
        sa.Column("participant", sa.String(length=16), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("lead_worker_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column(
            "enrolled_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("enrolled_by", sa.Uuid(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(participant = 'parent') = (person_id IS NOT NULL)", name=op.f("ck_enrolment_person")
        ),
        sa.CheckConstraint(
            "(status = 'ended') = (ended_at IS NOT NULL)",
            name=op.f("ck_enrolment_ended_when_ended"),
        ),
        sa.CheckConstraint(
            "participant IN ('parent', 'family')", name=op.f("ck_enrolment_participant")
        ),
        sa.CheckConstraint("status IN ('active', 'ended')", name=op.f("ck_enrolment_status")),
        sa.ForeignKeyConstraint(
            ["programme_version_id"],
            ["intervention.programme_version.id"],
            name=op.f("fk_enrolment_programme_version_id_programme_version"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolment")),
        schema="intervention",
    )
    op.create_index(
        "ix_enrolment_case_id_enrolled_at",
        "enrolment",
        ["case_id", "enrolled_at"],
        unique=False,
        schema="intervention",
    )
    op.create_table(
        "planned_module",
        sa.Column("enrolment_id", sa.Uuid(), nullable=False),
        sa.Column("module_code", sa.String(length=64), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status_changed_by", sa.Uuid(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(status = 'completed') = (completed_at IS NOT NULL)",
            name=op.f("ck_planned_module_completed_when_completed"),
        ),
        sa.CheckConstraint(
            "status <> 'not_applicable' OR status_reason IS NOT NULL",
            name=op.f("ck_planned_module_reason_when_na"),
        ),
        sa.CheckConstraint(
            "status IN ('not_started', 'in_progress', 'completed', 'not_applicable')",
            name=op.f("ck_planned_module_status"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["intervention.enrolment.id"],
            name=op.f("fk_planned_module_enrolment_id_enrolment"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("enrolment_id", "module_code", name=op.f("pk_planned_module")),
        schema="intervention",
    )
    op.create_table(
        "programme_session",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("enrolment_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("worker_id", sa.Uuid(), nullable=False),
        sa.Column("attendance", sa.String(length=16), nullable=False),
        sa.Column("engagement", sa.SmallInteger(), nullable=True),
        sa.Column("module_codes", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("tool_codes", postgresql.ARRAY(sa.String(length=64)), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("restricted_detail", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_by_discipline", sa.String(length=64), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(attendance = 'attended') = (engagement IS NOT NULL)",
            name=op.f("ck_programme_session_engagement_when_held"),
        ),
        sa.CheckConstraint(
            "attendance IN ('attended', 'did_not_attend', 'cancelled')",
            name=op.f("ck_programme_session_attendance"),
        ),
        sa.CheckConstraint(
            "engagement BETWEEN 1 AND 5", name=op.f("ck_programme_session_engagement_range")
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["intervention.enrolment.id"],
            name=op.f("fk_programme_session_enrolment_id_enrolment"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_session")),
        schema="intervention",
    )
    op.create_index(
        "ix_programme_session_enrolment_id_held_on",
        "programme_session",
        ["enrolment_id", "held_on"],
        unique=False,
        schema="intervention",
    )
    op.create_index(
        "ix_programme_session_worker_id_held_on",
        "programme_session",
        ["worker_id", "held_on"],
        unique=False,
        schema="intervention",
    )
    op.create_table(
        "miti_coding",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("session_id", sa.Uuid(), nullable=False),
        sa.Column("coder_id", sa.Uuid(), nullable=False),
        sa.Column("coder_role", sa.String(length=16), nullable=False),
        sa.Column(
            "coded_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("cultivating_change_talk", sa.SmallInteger(), nullable=False),
        sa.Column("softening_sustain_talk", sa.SmallInteger(), nullable=False),
        sa.Column("partnership", sa.SmallInteger(), nullable=False),
        sa.Column("empathy", sa.SmallInteger(), nullable=False),
        sa.Column("giving_information", sa.Integer(), nullable=False),
        sa.Column("persuade", sa.Integer(), nullable=False),
        sa.Column("persuade_with_permission", sa.Integer(), nullable=False),
        sa.Column("question", sa.Integer(), nullable=False),
        sa.Column("simple_reflection", sa.Integer(), nullable=False),
        sa.Column("complex_reflection", sa.Integer(), nullable=False),
        sa.Column("affirm", sa.Integer(), nullable=False),
        sa.Column("seeking_collaboration", sa.Integer(), nullable=False),
        sa.Column("emphasizing_autonomy", sa.Integer(), nullable=False),
        sa.Column("confront", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "coder_role IN ('worker', 'observer')", name=op.f("ck_miti_coding_coder_role")
        ),
        sa.CheckConstraint("affirm >= 0", name=op.f("ck_miti_coding_affirm_count")),
        sa.CheckConstraint(
            "complex_reflection >= 0", name=op.f("ck_miti_coding_complex_reflection_count")
        ),
        sa.CheckConstraint("confront >= 0", name=op.f("ck_miti_coding_confront_count")),
        sa.CheckConstraint(
            "cultivating_change_talk BETWEEN 1 AND 5",
            name=op.f("ck_miti_coding_cultivating_change_talk_range"),
        ),
        sa.CheckConstraint("empathy BETWEEN 1 AND 5", name=op.f("ck_miti_coding_empathy_range")),
        sa.CheckConstraint(
            "emphasizing_autonomy >= 0", name=op.f("ck_miti_coding_emphasizing_autonomy_count")
        ),
        sa.CheckConstraint(
            "giving_information >= 0", name=op.f("ck_miti_coding_giving_information_count")
        ),
        sa.CheckConstraint(
            "partnership BETWEEN 1 AND 5", name=op.f("ck_miti_coding_partnership_range")
        ),
        sa.CheckConstraint("persuade >= 0", name=op.f("ck_miti_coding_persuade_count")),
        sa.CheckConstraint(
            "persuade_with_permission >= 0",
            name=op.f("ck_miti_coding_persuade_with_permission_count"),
        ),
        sa.CheckConstraint("question >= 0", name=op.f("ck_miti_coding_question_count")),
        sa.CheckConstraint(
            "seeking_collaboration >= 0", name=op.f("ck_miti_coding_seeking_collaboration_count")
        ),
        sa.CheckConstraint(
            "simple_reflection >= 0", name=op.f("ck_miti_coding_simple_reflection_count")
        ),
        sa.CheckConstraint(
            "softening_sustain_talk BETWEEN 1 AND 5",
            name=op.f("ck_miti_coding_softening_sustain_talk_range"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["intervention.programme_session.id"],
            name=op.f("fk_miti_coding_session_id_programme_session"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_miti_coding")),
        sa.UniqueConstraint(
            "session_id", "coder_id", name=op.f("uq_miti_coding_session_id_coder_id")
        ),
        schema="intervention",
    )


def downgrade() -> None:
    op.drop_table("miti_coding", schema="intervention")
    op.drop_index(
        "ix_programme_session_worker_id_held_on",
        table_name="programme_session",
        schema="intervention",
    )
    op.drop_index(
        "ix_programme_session_enrolment_id_held_on",
        table_name="programme_session",
        schema="intervention",
    )
    op.drop_table("programme_session", schema="intervention")
    op.drop_table("planned_module", schema="intervention")
    op.drop_index("ix_enrolment_case_id_enrolled_at", table_name="enrolment", schema="intervention")
    op.drop_table("enrolment", schema="intervention")
