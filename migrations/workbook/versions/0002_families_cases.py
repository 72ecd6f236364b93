"""Families, people, identifiers, relationships, cases, allocations, episodes, break-glass.

Revision ID: workbook_0002
Revises: workbook_0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "workbook_0002"
down_revision: str | None = "workbook_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"


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
    # btree_gist lets an exclusion constraint combine uuid equality with range overlap.
    # It is database-wide and other schemas may use it, so downgrade leaves it installed.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")

    op.create_table(
        "family",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owning_team_id", sa.Uuid(), nullable=False),
        sa.Column("created_by_practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("id", name="pk_family"),
        schema=SCHEMA,
    )
    op.create_index("ix_family_owning_team_id", "family", ["owning_team_id"], schema=SCHEMA)
    op.create_index(
        "ix_family_created_by_practitioner_id",
        "family",
        ["created_by_practitioner_id"],
        schema=SCHEMA,
    )
    op.create_index("ix_family_created_at_id", "family", ["created_at", "id"], schema=SCHEMA)

    op.create_table(
        "person",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("given_name", sa.String(100), nullable=False),
        sa.Column("family_name", sa.String(100), nullable=False),
        sa.Column("preferred_name", sa.String(100), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("expected_date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(32), nullable=True),
        sa.Column("gender", sa.String(64), nullable=True),
        sa.Column("left_household_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "role IN ('child', 'parent', 'carer', 'partner', 'other_adult')",
            name=op.f("ck_person_role"),
        ),
        sa.CheckConstraint(
            "sex IS NULL OR sex IN ('female', 'male', 'indeterminate', 'not_known')",
            name=op.f("ck_person_sex"),
        ),
        sa.CheckConstraint(
            "date_of_birth IS NULL OR expected_date_of_birth IS NULL",
            name=op.f("ck_person_one_birth_date"),
        ),
        sa.ForeignKeyConstraint(
            ["family_id"], [f"{SCHEMA}.family.id"], name="fk_person_family_id_family"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_person"),
        schema=SCHEMA,
    )
    op.create_index("ix_person_family_id", "person", ["family_id"], schema=SCHEMA)

    op.create_table(
        "person_identifier",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("value", sa.String(64), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "system IN ('system_of_record', 'nhs_number', 'upn')",
            name=op.f("ck_person_identifier_system"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], [f"{SCHEMA}.person.id"], name="fk_person_identifier_person_id_person"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_person_identifier"),
        sa.UniqueConstraint("system", "value", name="uq_person_identifier_system_value"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_person_identifier_person_id", "person_identifier", ["person_id"], schema=SCHEMA
    )

    op.create_table(
        "relationship",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("related_person_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("parental_responsibility", sa.Boolean(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("person_id <> related_person_id", name=op.f("ck_relationship_not_self")),
        sa.CheckConstraint(
            "type IN ('parent_of', 'partner_of', 'sibling_of', 'carer_of', 'other')",
            name=op.f("ck_relationship_type"),
        ),
        sa.CheckConstraint(
            "NOT parental_responsibility OR type IN ('parent_of', 'carer_of')",
            name=op.f("ck_relationship_responsibility_needs_parent_or_carer"),
        ),
        sa.ForeignKeyConstraint(
            ["family_id"], [f"{SCHEMA}.family.id"], name="fk_relationship_family_id_family"
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], [f"{SCHEMA}.person.id"], name="fk_relationship_person_id_person"
        ),
        sa.ForeignKeyConstraint(
            ["related_person_id"],
            [f"{SCHEMA}.person.id"],
            name="fk_relationship_related_person_id_person",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_relationship"),
        sa.UniqueConstraint(
            "person_id",
            "related_person_id",
            "type",
            name="uq_relationship_person_id_related_person_id_type",
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_relationship_family_id", "relationship", ["family_id"], schema=SCHEMA)

    op.create_table(
        "safeguarding_case",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("owning_team_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_reason", sa.String(2000), nullable=False),
        sa.Column("opened_by_practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_reason", sa.String(2000), nullable=True),
        sa.Column("closed_by_practitioner_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "status IN ('open', 'closed')", name=op.f("ck_safeguarding_case_status")
        ),
        sa.CheckConstraint(
            "(status = 'open' AND closed_at IS NULL AND closed_reason IS NULL)"
            " OR (status = 'closed' AND closed_at IS NOT NULL AND closed_reason IS NOT NULL)",
            name=op.f("ck_safeguarding_case_closed_fields"),
        ),
        sa.ForeignKeyConstraint(
            ["family_id"], [f"{SCHEMA}.family.id"], name="fk_safeguarding_case_family_id_family"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_safeguarding_case"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_safeguarding_case_family_id", "safeguarding_case", ["family_id"], schema=SCHEMA
    )
    op.create_index(
        "ix_safeguarding_case_owning_team_id",
        "safeguarding_case",
        ["owning_team_id"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_safeguarding_case_created_at_id",
        "safeguarding_case",
        ["created_at", "id"],
        schema=SCHEMA,
    )
    op.create_index(
        "uq_safeguarding_case_open_family",
        "safeguarding_case",
        ["family_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
        schema=SCHEMA,
    )

    op.create_table(
        "allocation",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_name", sa.String(200), nullable=False),
        sa.Column("discipline", sa.String(64), nullable=False),
        sa.Column("is_allocated_social_worker", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_reason", sa.String(500), nullable=True),
        sa.Column("allocated_by_practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "ends_at IS NULL OR ends_at >= starts_at", name=op.f("ck_allocation_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            [f"{SCHEMA}.safeguarding_case.id"],
            name="fk_allocation_case_id_safeguarding_case",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_allocation"),
        postgresql.ExcludeConstraint(
            (sa.text("case_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            name="ex_allocation_one_social_worker",
            using="gist",
            where=sa.text("is_allocated_social_worker"),
        ),
        postgresql.ExcludeConstraint(
            (sa.text("case_id"), "="),
            (sa.text("practitioner_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            name="ex_allocation_no_overlap_per_practitioner",
            using="gist",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_allocation_case_id_starts_at", "allocation", ["case_id", "starts_at"], schema=SCHEMA
    )
    op.create_index(
        "ix_allocation_practitioner_id_case_id",
        "allocation",
        ["practitioner_id", "case_id"],
        schema=SCHEMA,
    )

    op.create_table(
        "episode",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_by_event", sa.String(64), nullable=False),
        sa.Column("opened_reason", sa.String(2000), nullable=True),
        sa.Column("closed_reason", sa.String(2000), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("number >= 1", name=op.f("ck_episode_number_positive")),
        sa.CheckConstraint(
            "closed_at IS NULL OR closed_at >= opened_at", name=op.f("ck_episode_closes_after_open")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            [f"{SCHEMA}.safeguarding_case.id"],
            name="fk_episode_case_id_safeguarding_case",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_episode"),
        sa.UniqueConstraint("case_id", "number", name="uq_episode_case_id_number"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_episode_open_per_case",
        "episode",
        ["case_id"],
        unique=True,
        postgresql_where=sa.text("closed_at IS NULL"),
        schema=SCHEMA,
    )

    op.create_table(
        "break_glass_grant",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("practitioner_subject", sa.String(255), nullable=False),
        sa.Column("practitioner_name", sa.String(200), nullable=False),
        sa.Column("discipline", sa.String(64), nullable=False),
        sa.Column("justification", sa.String(2000), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_practitioner_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint(
            "expires_at > granted_at", name=op.f("ck_break_glass_grant_expires_after_grant")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            [f"{SCHEMA}.safeguarding_case.id"],
            name="fk_break_glass_grant_case_id_safeguarding_case",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_break_glass_grant"),
        schema=SCHEMA,
    )
    op.create_index("ix_break_glass_grant_case_id", "break_glass_grant", ["case_id"], schema=SCHEMA)
    op.create_index(
        "ix_break_glass_grant_practitioner_id_expires_at",
        "break_glass_grant",
        ["practitioner_id", "expires_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("break_glass_grant", schema=SCHEMA)
    op.drop_table("episode", schema=SCHEMA)
    op.drop_table("allocation", schema=SCHEMA)
    op.drop_table("safeguarding_case", schema=SCHEMA)
    op.drop_table("relationship", schema=SCHEMA)
    op.drop_table("person_identifier", schema=SCHEMA)
    op.drop_table("person", schema=SCHEMA)
    op.drop_table("family", schema=SCHEMA)
