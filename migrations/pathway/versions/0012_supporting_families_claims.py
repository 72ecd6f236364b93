"""Supporting Families claims: settings, readiness announcements, batches, claims, the audit.

Revision ID: pathway_claims
Revises: pathway_change_capture
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "pathway_claims"
down_revision: str | None = "pathway_change_capture"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "pathway"


def upgrade() -> None:
    op.create_table(
        "claim_settings",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sustain_months", sa.Integer(), nullable=False),
        sa.Column("sample_percent", sa.Integer(), nullable=False),
        sa.Column("claim_period_months", sa.Integer(), nullable=False),
        sa.Column("funding_model", sa.String(length=32), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_claim_settings_version_positive")),
        sa.CheckConstraint(
            "sustain_months BETWEEN 1 AND 24", name=op.f("ck_claim_settings_sustain_months")
        ),
        sa.CheckConstraint(
            "sample_percent BETWEEN 10 AND 100",
            name=op.f("ck_claim_settings_sample_percent"),
        ),
        sa.CheckConstraint(
            "claim_period_months IN (1, 3, 6, 12)",
            name=op.f("ck_claim_settings_claim_period_months"),
        ),
        sa.CheckConstraint(
            "funding_model IN ('earned_autonomy', 'payment_by_results')",
            name=op.f("ck_claim_settings_funding_model"),
        ),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_claim_settings")),
        schema=SCHEMA,
    )
    op.create_table(
        "claim_ready_announcement",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("owning_team_id", sa.Uuid(), nullable=False),
        sa.Column("ready_on", sa.Date(), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_claim_ready_announcement")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_claim_ready_announcement_team",
        "claim_ready_announcement",
        ["owning_team_id"],
        schema=SCHEMA,
    )
    op.create_table(
        "claim_batch",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("sample_seed", sa.String(length=64), nullable=True),
        sa.Column("sample_percent", sa.Integer(), nullable=True),
        sa.Column("sample_population", postgresql.ARRAY(sa.Uuid()), nullable=True),
        sa.Column("sampled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sampled_by", sa.Uuid(), nullable=True),
        sa.Column("funding_model", sa.String(length=32), nullable=True),
        sa.Column("settings_version", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("status IN ('open', 'submitted')", name=op.f("ck_claim_batch_status")),
        sa.CheckConstraint("period_end > period_start", name=op.f("ck_claim_batch_period")),
        sa.CheckConstraint(
            "(status = 'submitted') = (submitted_at IS NOT NULL)",
            name=op.f("ck_claim_batch_submitted_fields"),
        ),
        sa.CheckConstraint(
            "(sample_seed IS NULL) = (sampled_at IS NULL AND sample_population IS NULL)",
            name=op.f("ck_claim_batch_sample_fields"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_batch")),
        sa.UniqueConstraint("period_start", name=op.f("uq_claim_batch_period_start")),
        schema=SCHEMA,
    )
    op.create_table(
        "claim",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("owning_team_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("evidence", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("settings_version", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.Uuid(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assured_by", sa.Uuid(), nullable=True),
        sa.Column("assured_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assurance_note", sa.String(length=2000), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('claimed', 'accepted', 'returned')", name=op.f("ck_claim_status")
        ),
        sa.CheckConstraint(
            "(assured_by IS NULL) = (assured_at IS NULL)", name=op.f("ck_claim_assured_fields")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], [f"{SCHEMA}.claim_batch.id"], name=op.f("fk_claim_batch_id_claim_batch")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_claim_live_case",
        "claim",
        ["case_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status <> 'returned'"),
    )
    op.create_index("ix_claim_batch_id", "claim", ["batch_id"], schema=SCHEMA)
    op.create_index("ix_claim_owning_team_id", "claim", ["owning_team_id"], schema=SCHEMA)
    op.create_table(
        "claim_sample",
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("stratum", sa.Uuid(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("sort_key", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            [f"{SCHEMA}.claim_batch.id"],
            name=op.f("fk_claim_sample_batch_id_claim_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"], [f"{SCHEMA}.claim.id"], name=op.f("fk_claim_sample_claim_id_claim")
        ),
        sa.PrimaryKeyConstraint("batch_id", "claim_id", name=op.f("pk_claim_sample")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_claim_sample_claim_id", "claim_sample", ["claim_id"], unique=True, schema=SCHEMA
    )
    op.create_table(
        "claim_audit_decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reasons", sa.String(length=4000), nullable=True),
        sa.Column("evidence_requested", sa.String(length=4000), nullable=True),
        sa.Column("decided_by", sa.Uuid(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IN ('accepted', 'returned')", name=op.f("ck_claim_audit_decision_decision")
        ),
        sa.CheckConstraint(
            "(decision = 'returned') = (reasons IS NOT NULL AND evidence_requested IS NOT NULL)",
            name=op.f("ck_claim_audit_decision_returned_fields"),
        ),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            [f"{SCHEMA}.claim.id"],
            name=op.f("fk_claim_audit_decision_claim_id_claim"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_audit_decision")),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_claim_audit_decision_claim",
        "claim_audit_decision",
        ["claim_id"],
        unique=True,
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("claim_audit_decision", schema=SCHEMA)
    op.drop_table("claim_sample", schema=SCHEMA)
    op.drop_table("claim", schema=SCHEMA)
    op.drop_table("claim_batch", schema=SCHEMA)
    op.drop_table("claim_ready_announcement", schema=SCHEMA)
    op.drop_table("claim_settings", schema=SCHEMA)
