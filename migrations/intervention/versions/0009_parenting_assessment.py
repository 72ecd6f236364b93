"""Parenting assessments: versions, sections, evidence references, lifecycle transitions.

A signed-off version is frozen by triggers as well as by the service: the database refuses any
change to it, its sections or its evidence, except marking it superseded once.

Revision ID: intervention_assessments
Revises: intervention_session_withdrawal
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "intervention_assessments"
down_revision: str | None = "intervention_session_withdrawal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "intervention"

FROZEN_VERSION = f"""
CREATE FUNCTION {SCHEMA}.parenting_assessment_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'signed_off' THEN
            RAISE EXCEPTION 'a signed-off parenting assessment cannot be deleted'
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'signed_off' AND (
        OLD.superseded_at IS NOT NULL
        OR (NEW.series_id, NEW.number, NEW.case_id, NEW.title, NEW.status, NEW.supersedes_id,
            NEW.author_id, NEW.author_name, NEW.created_at, NEW.submitted_at,
            NEW.signed_off_at, NEW.signed_off_by_id, NEW.signed_off_by_name,
            NEW.sign_off_comment)
           IS DISTINCT FROM
           (OLD.series_id, OLD.number, OLD.case_id, OLD.title, OLD.status, OLD.supersedes_id,
            OLD.author_id, OLD.author_name, OLD.created_at, OLD.submitted_at,
            OLD.signed_off_at, OLD.signed_off_by_id, OLD.signed_off_by_name,
            OLD.sign_off_comment)
    ) THEN
        RAISE EXCEPTION 'a signed-off parenting assessment cannot be changed'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$
"""
# The schema is named in full: the function is static text.
FROZEN_PART = """
CREATE FUNCTION intervention.parenting_assessment_part_frozen() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    part record;
    owner uuid;
BEGIN
    IF TG_OP = 'DELETE' THEN part := OLD; ELSE part := NEW; END IF;
    IF TG_TABLE_NAME = 'parenting_assessment_section' THEN
        owner := part.assessment_id;
    ELSE
        SELECT s.assessment_id INTO owner
        FROM intervention.parenting_assessment_section s WHERE s.id = part.section_id;
    END IF;
    IF EXISTS (
        SELECT 1 FROM intervention.parenting_assessment a
        WHERE a.id = owner AND a.status = 'signed_off'
    ) THEN
        RAISE EXCEPTION 'a signed-off parenting assessment cannot be changed'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN part;
END
$$
"""
TRIGGERS = (
    ("parenting_assessment", "UPDATE OR DELETE", "parenting_assessment_frozen"),
    (
        "parenting_assessment_section",
        "INSERT OR UPDATE OR DELETE",
        "parenting_assessment_part_frozen",
    ),
    (
        "parenting_assessment_evidence",
        "INSERT OR UPDATE OR DELETE",
        "parenting_assessment_part_frozen",
    ),
)


def upgrade() -> None:
    op.create_table(
        "parenting_assessment",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("series_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("supersedes_id", sa.Uuid(), nullable=True),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_off_by_id", sa.Uuid(), nullable=True),
        sa.Column("signed_off_by_name", sa.String(length=200), nullable=True),
        sa.Column("sign_off_comment", sa.Text(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'signed_off')",
            name=op.f("ck_parenting_assessment_status"),
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_parenting_assessment_number_positive")),
        sa.CheckConstraint(
            "char_length(title) <= 200", name=op.f("ck_parenting_assessment_title_length")
        ),
        sa.CheckConstraint(
            "(status = 'signed_off') = "
            "(signed_off_at IS NOT NULL AND signed_off_by_id IS NOT NULL)",
            name=op.f("ck_parenting_assessment_signed_off_fields"),
        ),
        sa.CheckConstraint(
            "superseded_at IS NULL OR status = 'signed_off'",
            name=op.f("ck_parenting_assessment_superseded_signed"),
        ),
        sa.CheckConstraint(
            "(number = 1) = (supersedes_id IS NULL)",
            name=op.f("ck_parenting_assessment_first_supersedes_none"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            [f"{SCHEMA}.parenting_assessment.id"],
            name=op.f("fk_parenting_assessment_supersedes_id_parenting_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parenting_assessment")),
        sa.UniqueConstraint(
            "series_id", "number", name=op.f("uq_parenting_assessment_series_id_number")
        ),
        sa.UniqueConstraint("supersedes_id", name=op.f("uq_parenting_assessment_supersedes_id")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_parenting_assessment_case_id_created_at",
        "parenting_assessment",
        ["case_id", "created_at", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "parenting_assessment_section",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("heading", sa.Text(), nullable=False),
        sa.Column("analysis", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "char_length(heading) <= 120",
            name=op.f("ck_parenting_assessment_section_heading_length"),
        ),
        sa.CheckConstraint(
            "char_length(analysis) <= 50000",
            name=op.f("ck_parenting_assessment_section_analysis_length"),
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            [f"{SCHEMA}.parenting_assessment.id"],
            name=op.f("fk_parenting_assessment_section_assessment_id_parenting_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parenting_assessment_section")),
        sa.UniqueConstraint(
            "assessment_id", "key", name=op.f("uq_parenting_assessment_section_assessment_id_key")
        ),
        sa.UniqueConstraint(
            "assessment_id",
            "position",
            name=op.f("uq_parenting_assessment_section_assessment_id_position"),
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_parenting_assessment_section_assessment_id",
        "parenting_assessment_section",
        ["assessment_id"],
        schema=SCHEMA,
    )
    op.create_table(
        "parenting_assessment_evidence",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("section_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by_id", sa.Uuid(), nullable=False),
        sa.Column(
            "linked_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "kind IN ('workbook_entry')", name=op.f("ck_parenting_assessment_evidence_kind")
        ),
        sa.CheckConstraint(
            "char_length(label) <= 300", name=op.f("ck_parenting_assessment_evidence_label_length")
        ),
        sa.ForeignKeyConstraint(
            ["section_id"],
            [f"{SCHEMA}.parenting_assessment_section.id"],
            name=op.f("fk_parenting_assessment_evidence_section_id_parenting_assessment_section"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parenting_assessment_evidence")),
        sa.UniqueConstraint(
            "section_id",
            "kind",
            "ref_id",
            name=op.f("uq_parenting_assessment_evidence_section_id_kind_ref_id"),
        ),
        sa.UniqueConstraint(
            "section_id",
            "position",
            name=op.f("uq_parenting_assessment_evidence_section_id_position"),
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_parenting_assessment_evidence_section_id",
        "parenting_assessment_evidence",
        ["section_id"],
        schema=SCHEMA,
    )
    op.create_table(
        "parenting_assessment_transition",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("assessment_id", sa.Uuid(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Uuid(), nullable=False),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "action IN ('submitted', 'returned', 'signed_off', 'superseded')",
            name=op.f("ck_parenting_assessment_transition_action"),
        ),
        sa.CheckConstraint(
            "char_length(comment) <= 4000",
            name=op.f("ck_parenting_assessment_transition_comment_length"),
        ),
        sa.CheckConstraint(
            "action <> 'returned' OR comment IS NOT NULL",
            name=op.f("ck_parenting_assessment_transition_returned_comment"),
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            [f"{SCHEMA}.parenting_assessment.id"],
            name=op.f("fk_parenting_assessment_transition_assessment_id_parenting_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parenting_assessment_transition")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_parenting_assessment_transition_assessment_id",
        "parenting_assessment_transition",
        ["assessment_id"],
        schema=SCHEMA,
    )
    op.execute(FROZEN_VERSION)
    op.execute(FROZEN_PART)
    for table, events, function in TRIGGERS:
        op.execute(
            f"CREATE TRIGGER {table}_frozen BEFORE {events} ON {SCHEMA}.{table}"
            f" FOR EACH ROW EXECUTE FUNCTION {SCHEMA}.{function}()"
        )


def downgrade() -> None:
    for table in (
        "parenting_assessment_transition",
        "parenting_assessment_evidence",
        "parenting_assessment_section",
        "parenting_assessment",
    ):
        op.drop_table(table, schema=SCHEMA)
    op.execute(f"DROP FUNCTION {SCHEMA}.parenting_assessment_part_frozen()")
    op.execute(f"DROP FUNCTION {SCHEMA}.parenting_assessment_frozen()")
