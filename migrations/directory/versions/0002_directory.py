"""The practitioner directory: disciplines (seeded), teams, practitioners, team memberships.

Revision ID: directory_0002
Revises: directory_0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "directory_0002"
down_revision: str | None = "directory_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "directory"

# (code, label, is_adult_specialist): the disciplines of a Family Safeguarding team.
# Further disciplines are added as rows by administrators' migrations, not by code changes.
DISCIPLINES = (
    ("social_worker", "Social worker", False),
    ("consultant_social_worker", "Consultant social worker", False),
    ("team_manager", "Team manager", False),
    ("da_victim_worker", "Domestic abuse victim worker", True),
    ("da_perpetrator_worker", "Domestic abuse perpetrator worker", True),
    ("recovery_worker", "Recovery worker (substance misuse)", True),
    ("mental_health_practitioner", "Adult mental health practitioner", True),
    ("probation_officer", "Probation officer", True),
    ("psychologist", "Psychologist", True),
    ("parenting_assessor", "Parenting assessor", False),
    ("family_support_worker", "Family support worker", False),
    ("child_practitioner", "Child practitioner", False),
    ("education_attainment_officer", "Education attainment officer", False),
    ("business_support", "Business support", False),
)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
    ]


def upgrade() -> None:
    discipline = op.create_table(
        "discipline",
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("label", sa.Text(), nullable=False),
        sa.Column(
            "is_adult_specialist", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_discipline"),
        schema=SCHEMA,
    )
    assert discipline is not None
    op.bulk_insert(
        discipline,
        [
            {"code": code, "label": label, "is_adult_specialist": adult, "active": True}
            for code, label, adult in DISCIPLINES
        ],
    )

    op.create_table(
        "team",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_team"),
        sa.UniqueConstraint("name", name="uq_team_name"),
        sa.UniqueConstraint("code", name="uq_team_code"),
        schema=SCHEMA,
    )

    op.create_table(
        "practitioner",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("email", sa.Text(), nullable=True),
        sa.Column("discipline_code", sa.Text(), nullable=False),
        sa.Column(
            "roles",
            postgresql.ARRAY(sa.Text()),
            server_default=sa.text("'{}'::text[]"),
            nullable=False,
        ),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["discipline_code"],
            [f"{SCHEMA}.discipline.code"],
            name="fk_practitioner_discipline_code_discipline",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_practitioner"),
        sa.UniqueConstraint("subject", name="uq_practitioner_subject"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_practitioner_discipline_code", "practitioner", ["discipline_code"], schema=SCHEMA
    )
    op.create_index(
        "ix_practitioner_display_name_id", "practitioner", ["display_name", "id"], schema=SCHEMA
    )

    op.create_table(
        "team_membership",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("practitioner_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("team_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("role_in_team", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "role_in_team IN ('member', 'manager')", name=op.f("ck_team_membership_role_in_team")
        ),
        sa.CheckConstraint(
            "valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
            # op.f: the name is final; the naming convention would prefix it again.
            name=op.f("ck_team_membership_period"),
        ),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            [f"{SCHEMA}.practitioner.id"],
            name="fk_team_membership_practitioner_id_practitioner",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], [f"{SCHEMA}.team.id"], name="fk_team_membership_team_id_team"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_team_membership"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_team_membership_practitioner_id",
        "team_membership",
        ["practitioner_id"],
        schema=SCHEMA,
    )
    op.create_index("ix_team_membership_team_id", "team_membership", ["team_id"], schema=SCHEMA)
    op.create_index(
        "uq_team_membership_open",
        "team_membership",
        ["practitioner_id", "team_id"],
        unique=True,
        postgresql_where=sa.text("valid_to IS NULL"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index("uq_team_membership_open", table_name="team_membership", schema=SCHEMA)
    op.drop_index("ix_team_membership_team_id", table_name="team_membership", schema=SCHEMA)
    op.drop_index("ix_team_membership_practitioner_id", table_name="team_membership", schema=SCHEMA)
    op.drop_table("team_membership", schema=SCHEMA)
    op.drop_index("ix_practitioner_display_name_id", table_name="practitioner", schema=SCHEMA)
    op.drop_index("ix_practitioner_discipline_code", table_name="practitioner", schema=SCHEMA)
    op.drop_table("practitioner", schema=SCHEMA)
    op.drop_table("team", schema=SCHEMA)
    op.drop_table("discipline", schema=SCHEMA)
