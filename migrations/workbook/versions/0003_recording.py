"""Recording: workbook entries with their revisions, and chronology events from other services.

Revision ID: workbook_0003
Revises: workbook_0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "workbook_0003"
down_revision: str | None = "workbook_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"

# Frozen copies of the generated search vectors (the models may change; this revision may not).
SHARED_SEARCH_SQL = (
    "to_tsvector('english'::regconfig, coalesce(shareable_summary, '') || ' ' || "
    "CASE WHEN sensitivity = 'standard' THEN coalesce(narrative, '') ELSE '' END) || "
    "jsonb_to_tsvector('english'::regconfig, coalesce(fields, '{}'::jsonb), '[\"string\"]'::jsonb)"
)
FULL_SEARCH_SQL = (
    "to_tsvector('english'::regconfig, coalesce(shareable_summary, '') || ' ' || "
    "coalesce(narrative, '')) || "
    "jsonb_to_tsvector('english'::regconfig, coalesce(fields, '{}'::jsonb) || "
    "coalesce(restricted_fields, '{}'::jsonb), '[\"string\"]'::jsonb)"
)


def upgrade() -> None:
    op.create_table(
        "entry",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("episode_id", sa.Uuid(), nullable=False),
        sa.Column("entry_type", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("author_id", sa.Uuid(), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("discipline", sa.String(length=64), nullable=False),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("finalised_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("significant", sa.Boolean(), nullable=False),
        sa.Column("sensitivity", sa.String(length=16), nullable=False),
        sa.Column(
            "person_ids",
            postgresql.ARRAY(sa.Uuid()),
            server_default=sa.text("'{}'::uuid[]"),
            nullable=False,
        ),
        sa.Column("narrative", sa.Text(), nullable=True),
        sa.Column("shareable_summary", sa.Text(), nullable=True),
        sa.Column("fields", postgresql.JSONB(), nullable=True),
        sa.Column("restricted_fields", postgresql.JSONB(), nullable=True),
        sa.Column("config_version", sa.String(length=64), nullable=True),
        sa.Column("revision", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Uuid(), nullable=True),
        sa.Column("withdrawn_by_name", sa.String(length=200), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "search_shared",
            postgresql.TSVECTOR(),
            sa.Computed(SHARED_SEARCH_SQL, persisted=True),
            nullable=False,
        ),
        sa.Column(
            "search_full",
            postgresql.TSVECTOR(),
            sa.Computed(FULL_SEARCH_SQL, persisted=True),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'final', 'withdrawn')", name=op.f("ck_entry_status")
        ),
        sa.CheckConstraint(
            "sensitivity IN ('standard', 'restricted')", name=op.f("ck_entry_sensitivity")
        ),
        sa.CheckConstraint(
            "char_length(narrative) <= 50000", name=op.f("ck_entry_narrative_length")
        ),
        sa.CheckConstraint(
            "char_length(shareable_summary) <= 2000", name=op.f("ck_entry_summary_length")
        ),
        sa.CheckConstraint(
            "status = 'draft' OR sensitivity = 'standard' OR shareable_summary IS NOT NULL",
            name=op.f("ck_entry_restricted_has_summary"),
        ),
        sa.CheckConstraint(
            "restricted_fields IS NULL OR sensitivity = 'restricted'",
            name=op.f("ck_entry_restricted_fields_need_restricted"),
        ),
        sa.CheckConstraint(
            "(entry_type = 'mdt_session') = (config_version IS NOT NULL)",
            name=op.f("ck_entry_session_has_config_version"),
        ),
        sa.CheckConstraint(
            "entry_type = 'mdt_session' OR (fields IS NULL AND restricted_fields IS NULL)",
            name=op.f("ck_entry_fields_only_on_sessions"),
        ),
        sa.CheckConstraint(
            "(status = 'draft') = (finalised_at IS NULL) AND (status = 'draft') = (revision = 0)",
            name=op.f("ck_entry_final_has_revision"),
        ),
        sa.CheckConstraint(
            "(status = 'withdrawn') = (withdrawn_at IS NOT NULL AND withdrawn_reason IS NOT NULL)",
            name=op.f("ck_entry_withdrawn_fields"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            [f"{SCHEMA}.safeguarding_case.id"],
            name="fk_entry_case_id_safeguarding_case",
        ),
        sa.ForeignKeyConstraint(
            ["episode_id"], [f"{SCHEMA}.episode.id"], name="fk_entry_episode_id_episode"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_entry"),
        schema=SCHEMA,
    )
    op.create_index("ix_entry_episode_id", "entry", ["episode_id"], schema=SCHEMA)
    op.create_index(
        "ix_entry_case_id_event_at_id", "entry", ["case_id", "event_at", "id"], schema=SCHEMA
    )
    op.create_index(
        "ix_entry_chronology",
        "entry",
        ["case_id", "event_at", "id"],
        postgresql_where=sa.text("significant AND status = 'final'"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_entry_search_shared",
        "entry",
        ["search_shared"],
        postgresql_using="gin",
        schema=SCHEMA,
    )
    op.create_index(
        "ix_entry_search_full", "entry", ["search_full"], postgresql_using="gin", schema=SCHEMA
    )
    op.create_index(
        "uq_entry_role_summary",
        "entry",
        ["episode_id", "author_id"],
        unique=True,
        postgresql_where=sa.text("entry_type = 'role_summary'"),
        schema=SCHEMA,
    )

    op.create_table(
        "entry_revision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("entry_type", sa.String(length=64), nullable=False),
        sa.Column("event_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("significant", sa.Boolean(), nullable=False),
        sa.Column("sensitivity", sa.String(length=16), nullable=False),
        sa.Column(
            "person_ids",
            postgresql.ARRAY(sa.Uuid()),
            server_default=sa.text("'{}'::uuid[]"),
            nullable=False,
        ),
        sa.Column("narrative", sa.Text(), nullable=True),
        sa.Column("shareable_summary", sa.Text(), nullable=True),
        sa.Column("fields", postgresql.JSONB(), nullable=True),
        sa.Column("restricted_fields", postgresql.JSONB(), nullable=True),
        sa.Column("config_version", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_by_name", sa.String(length=200), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("revision >= 1", name=op.f("ck_entry_revision_revision_positive")),
        sa.CheckConstraint(
            "revision = 1 OR reason IS NOT NULL",
            name=op.f("ck_entry_revision_amendment_has_reason"),
        ),
        sa.CheckConstraint(
            "sensitivity IN ('standard', 'restricted')", name=op.f("ck_entry_revision_sensitivity")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], [f"{SCHEMA}.entry.id"], name="fk_entry_revision_entry_id_entry"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_entry_revision"),
        sa.UniqueConstraint("entry_id", "revision", name="uq_entry_revision_entry_id_revision"),
        schema=SCHEMA,
    )

    op.create_table(
        "chronology_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("summary", sa.String(length=4000), nullable=True),
        sa.Column("external_id", sa.String(length=255), nullable=False),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            [f"{SCHEMA}.safeguarding_case.id"],
            name="fk_chronology_event_case_id_safeguarding_case",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_chronology_event"),
        sa.UniqueConstraint("external_id", name="uq_chronology_event_external_id"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_chronology_event_case_id_occurred_at_id",
        "chronology_event",
        ["case_id", "occurred_at", "id"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_index(
        "ix_chronology_event_case_id_occurred_at_id", table_name="chronology_event", schema=SCHEMA
    )
    op.drop_table("chronology_event", schema=SCHEMA)
    op.drop_table("entry_revision", schema=SCHEMA)
    op.drop_index("uq_entry_role_summary", table_name="entry", schema=SCHEMA)
    op.drop_index("ix_entry_search_full", table_name="entry", schema=SCHEMA)
    op.drop_index("ix_entry_search_shared", table_name="entry", schema=SCHEMA)
    op.drop_index("ix_entry_chronology", table_name="entry", schema=SCHEMA)
    op.drop_index("ix_entry_case_id_event_at_id", table_name="entry", schema=SCHEMA)
    op.drop_index("ix_entry_episode_id", table_name="entry", schema=SCHEMA)
    op.drop_table("entry", schema=SCHEMA)
