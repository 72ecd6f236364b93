"""The early help pathway: configuration, levels of need, the lifecycle, consent, the TAF,
escalations, assessments, the Family Action Plan's targets and reviews.

Revision ID: pathway_early_help
Revises: pathway_case_kind
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "pathway_early_help"
down_revision: str | None = "pathway_case_kind"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "configuration",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("levels", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("headline_areas", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("eligibility", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("review_interval_working_days", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("published_by", sa.Uuid(), nullable=True),
        sa.Column(
            "published_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("version >= 1", name=op.f("ck_configuration_version_positive")),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_configuration")),
        schema="pathway",
    )
    op.create_table(
        "consent",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("member_name", sa.String(length=200), nullable=False),
        sa.Column("form", sa.String(length=16), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("given_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=2000), nullable=True),
        sa.Column("withdrawn_by", sa.Uuid(), nullable=True),
        sa.CheckConstraint("form IN ('verbal', 'written')", name=op.f("ck_consent_form")),
        sa.CheckConstraint(
            "(withdrawn_on IS NULL) = (withdrawn_reason IS NULL)",
            name=op.f("ck_consent_withdrawn_fields"),
        ),
        sa.CheckConstraint("cardinality(scopes) >= 1", name=op.f("ck_consent_scopes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent")),
        schema="pathway",
    )
    op.create_index("ix_consent_case_id", "consent", ["case_id"], unique=False, schema="pathway")
    op.create_table(
        "escalation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("worry", sa.String(length=4000), nullable=False),
        sa.Column("raised_by", sa.Uuid(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("referral_decision_due", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
        schema="pathway",
    )
    op.create_index(
        "ix_escalation_case_id", "escalation", ["case_id"], unique=False, schema="pathway"
    )
    op.create_table(
        "involvement",
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("stage_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_review_due", sa.Date(), nullable=True),
        sa.Column("step_up_prompted", sa.Boolean(), nullable=False),
        sa.Column("closed_reason", sa.String(length=2000), nullable=True),
        sa.Column("family_informed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "(stage = 'closed') = (closed_reason IS NOT NULL AND family_informed_on IS NOT NULL)",
            name=op.f("ck_involvement_closed_fields"),
        ),
        sa.CheckConstraint(
            "stage IN ('identified', 'consent', 'assessment', 'plan', 'do', 'review', 'closed')",
            name=op.f("ck_involvement_stage"),
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_involvement")),
        schema="pathway",
    )
    op.create_index(
        "ix_involvement_next_review_due",
        "involvement",
        ["next_review_due"],
        unique=False,
        schema="pathway",
    )
    op.create_table(
        "plan_review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("progress", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("summary", sa.String(length=4000), nullable=False),
        sa.Column("next_review_due", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('needs_met', 'continue', 'deterioration')",
            name=op.f("ck_plan_review_outcome"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_review")),
        schema="pathway",
    )
    op.create_index(
        "ix_plan_review_case_id_held_on",
        "plan_review",
        ["case_id", "held_on"],
        unique=False,
        schema="pathway",
    )
    op.create_table(
        "plan_target",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("area", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=1000), nullable=False),
        sa.Column("measure", sa.String(length=1000), nullable=False),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_target")),
        schema="pathway",
    )
    op.create_index(
        "ix_plan_target_case_id", "plan_target", ["case_id"], unique=False, schema="pathway"
    )
    op.create_table(
        "stage_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("from_stage", sa.String(length=16), nullable=True),
        sa.Column("to_stage", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("changed_by", sa.Uuid(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_change")),
        schema="pathway",
    )
    op.create_index(
        "ix_stage_change_case_id_changed_at",
        "stage_change",
        ["case_id", "changed_at"],
        unique=False,
        schema="pathway",
    )
    op.create_table(
        "taf_contact",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=200), nullable=False),
        sa.Column("contact", sa.String(length=300), nullable=True),
        sa.Column("added_by", sa.Uuid(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taf_contact")),
        schema="pathway",
    )
    op.create_index(
        "ix_taf_contact_case_id", "taf_contact", ["case_id"], unique=False, schema="pathway"
    )
    op.create_table(
        "assessment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("assessment_type", sa.String(length=16), nullable=False),
        sa.Column("areas", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("members_assessed", sa.Integer(), nullable=False),
        sa.Column("dependent_children", sa.Boolean(), nullable=False),
        sa.Column("expectant_parent", sa.Boolean(), nullable=False),
        sa.Column("summary", sa.String(length=4000), nullable=False),
        sa.Column("configuration_version", sa.Integer(), nullable=False),
        sa.Column("completed_by", sa.Uuid(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "assessment_type IN ('my_plan', 'my_assessment', 'my_plan_plus')",
            name=op.f("ck_assessment_type"),
        ),
        sa.CheckConstraint("members_assessed >= 1", name=op.f("ck_assessment_members_assessed")),
        sa.ForeignKeyConstraint(
            ["configuration_version"],
            ["pathway.configuration.version"],
            name=op.f("fk_assessment_configuration_version_configuration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment")),
        schema="pathway",
    )
    op.create_index(
        "ix_assessment_case_id_completed_at",
        "assessment",
        ["case_id", "completed_at"],
        unique=False,
        schema="pathway",
    )
    op.create_table(
        "level_decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("configuration_version", sa.Integer(), nullable=False),
        sa.Column("level_code", sa.String(length=40), nullable=False),
        sa.Column("level_label", sa.String(length=200), nullable=False),
        sa.Column("level_rank", sa.Integer(), nullable=False),
        sa.Column("indicators", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("reason", sa.String(length=2000), nullable=False),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.Uuid(), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["configuration_version"],
            ["pathway.configuration.version"],
            name=op.f("fk_level_decision_configuration_version_configuration"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_level_decision")),
        schema="pathway",
    )
    op.create_index(
        "ix_level_decision_case_id", "level_decision", ["case_id"], unique=False, schema="pathway"
    )
    op.create_index(
        "ix_level_decision_family_id_decided_at",
        "level_decision",
        ["family_id", "decided_at"],
        unique=False,
        schema="pathway",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_level_decision_family_id_decided_at", table_name="level_decision", schema="pathway"
    )
    op.drop_index("ix_level_decision_case_id", table_name="level_decision", schema="pathway")
    op.drop_table("level_decision", schema="pathway")
    op.drop_index("ix_assessment_case_id_completed_at", table_name="assessment", schema="pathway")
    op.drop_table("assessment", schema="pathway")
    op.drop_index("ix_taf_contact_case_id", table_name="taf_contact", schema="pathway")
    op.drop_table("taf_contact", schema="pathway")
    op.drop_index("ix_stage_change_case_id_changed_at", table_name="stage_change", schema="pathway")
    op.drop_table("stage_change", schema="pathway")
    op.drop_index("ix_plan_target_case_id", table_name="plan_target", schema="pathway")
    op.drop_table("plan_target", schema="pathway")
    op.drop_index("ix_plan_review_case_id_held_on", table_name="plan_review", schema="pathway")
    op.drop_table("plan_review", schema="pathway")
    op.drop_index("ix_involvement_next_review_due", table_name="involvement", schema="pathway")
    op.drop_table("involvement", schema="pathway")
    op.drop_index("ix_escalation_case_id", table_name="escalation", schema="pathway")
    op.drop_table("escalation", schema="pathway")
    op.drop_index("ix_consent_case_id", table_name="consent", schema="pathway")
    op.drop_table("consent", schema="pathway")
    op.drop_table("configuration", schema="pathway")
