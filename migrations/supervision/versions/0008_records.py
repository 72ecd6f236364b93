"""Group Case Supervision records: each case's discussion, updates, decisions, actions, amendments.

Revision ID: supervision_records
Revises: supervision_meetings
Create Date: 2026-11-30
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "supervision_records"
down_revision: str | None = "supervision_meetings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "supervision"


def _now(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False)


def _record_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["record_id"],
        [f"{SCHEMA}.case_record.id"],
        name=op.f(f"fk_{table}_record_id_case_record"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    op.create_table(
        "case_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("lived_experience", sa.Text(), nullable=True),
        sa.Column("worried_about", sa.Text(), nullable=True),
        sa.Column("working_well", sa.Text(), nullable=True),
        sa.Column("needs_to_happen", sa.Text(), nullable=True),
        sa.Column("scaling", sa.SmallInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finalised_by", sa.Uuid(), nullable=True),
        sa.Column("carried_forward", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        _now("updated_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('draft', 'final')", name=op.f("ck_case_record_status")),
        sa.CheckConstraint("scaling BETWEEN 0 AND 10", name=op.f("ck_case_record_scaling")),
        sa.CheckConstraint(
            "(status = 'draft' AND finalised_at IS NULL)"
            " OR (status = 'final' AND finalised_at IS NOT NULL AND finalised_by IS NOT NULL)",
            name=op.f("ck_case_record_final_fields"),
        ),
        sa.ForeignKeyConstraint(
            ["meeting_id", "case_id"],
            [f"{SCHEMA}.meeting_case.meeting_id", f"{SCHEMA}.meeting_case.case_id"],
            name=op.f("fk_case_record_meeting_id_meeting_case"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_record")),
        sa.UniqueConstraint(
            "meeting_id", "case_id", name=op.f("uq_case_record_meeting_id_case_id")
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_case_record_case_id", "case_record", ["case_id"], schema=SCHEMA)
    op.create_table(
        "worker_update",
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("discipline", sa.String(length=64), nullable=False),
        sa.Column("update", sa.Text(), nullable=False),
        _now("written_at"),
        _record_fk("worker_update"),
        sa.PrimaryKeyConstraint("record_id", "practitioner_id", name=op.f("pk_worker_update")),
        schema=SCHEMA,
    )
    op.create_table(
        "decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("decision", sa.String(length=2000), nullable=False),
        sa.Column("rationale", sa.String(length=4000), nullable=False),
        sa.Column("decision_maker_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        _now("recorded_at"),
        _record_fk("decision"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision")),
        schema=SCHEMA,
    )
    op.create_index("ix_decision_record_id", "decision", ["record_id"], schema=SCHEMA)
    op.create_table(
        "gcs_action",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("description", sa.String(length=2000), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_reason", sa.String(length=2000), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.Uuid(), nullable=True),
        _now("created_at"),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'done', 'dropped')", name=op.f("ck_gcs_action_status")
        ),
        sa.CheckConstraint(
            "(status = 'open' AND closed_at IS NULL)"
            " OR (status = 'done' AND closed_at IS NOT NULL)"
            " OR (status = 'dropped' AND closed_at IS NOT NULL AND closed_reason IS NOT NULL)",
            name=op.f("ck_gcs_action_closed_fields"),
        ),
        _record_fk("gcs_action"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gcs_action")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_gcs_action_case_id_status", "gcs_action", ["case_id", "status"], schema=SCHEMA
    )
    op.create_index("ix_gcs_action_record_id", "gcs_action", ["record_id"], schema=SCHEMA)
    op.create_table(
        "record_amendment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("previous", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("amended_by", sa.Uuid(), nullable=False),
        _now("amended_at"),
        _record_fk("record_amendment"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_amendment")),
        sa.UniqueConstraint(
            "record_id", "revision", name=op.f("uq_record_amendment_record_id_revision")
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("record_amendment", schema=SCHEMA)
    op.drop_table("gcs_action", schema=SCHEMA)
    op.drop_table("decision", schema=SCHEMA)
    op.drop_table("worker_update", schema=SCHEMA)
    op.drop_table("case_record", schema=SCHEMA)
