"""Frozen migration steps for the projection's tables, called from each workflow schema's revisions.

These are snapshots, like services/kernel_migrations/: when the tables change, add the next
step (`upgrade_v2`) here and a revision in every schema that keeps the projection, never edit
an existing step. v1 (`<schema>_case_projection`) creates the tables of services/projection/
tables.py; v2 (`<schema>_case_kind`) adds the case's kind (Family Safeguarding or early
help). The workbook owns the originals and the directory is one of them: neither keeps it.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql


def _projected_at() -> sa.Column[datetime]:
    return sa.Column(
        "projected_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
    )


def upgrade_v1(schema: str) -> None:
    """Create projected cases, allocations, practitioners (with memberships) and teams."""
    op.create_table(
        "projected_case",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("family_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("owning_team_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("episode_number", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _projected_at(),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_projected_case_status")),
        sa.PrimaryKeyConstraint("id", name="pk_projected_case"),
        schema=schema,
    )
    op.create_index(
        "ix_projected_case_owning_team_id", "projected_case", ["owning_team_id"], schema=schema
    )
    op.create_table(
        "projected_allocation",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("case_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("practitioner_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("discipline", sa.Text(), nullable=False),
        sa.Column("is_allocated_social_worker", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        _projected_at(),
        sa.PrimaryKeyConstraint("id", name="pk_projected_allocation"),
        schema=schema,
    )
    op.create_index(
        "ix_projected_allocation_practitioner_id_case_id",
        "projected_allocation",
        ["practitioner_id", "case_id"],
        schema=schema,
    )
    op.create_index(
        "ix_projected_allocation_case_id_starts_at",
        "projected_allocation",
        ["case_id", "starts_at"],
        schema=schema,
    )
    op.create_table(
        "projected_practitioner",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("display_name", sa.Text(), nullable=False),
        sa.Column("discipline", sa.Text(), nullable=False),
        sa.Column("roles", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _projected_at(),
        sa.PrimaryKeyConstraint("id", name="pk_projected_practitioner"),
        schema=schema,
    )
    op.create_table(
        "projected_membership",
        sa.Column("practitioner_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("position", sa.SmallInteger(), nullable=False),
        sa.Column("team_id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("role_in_team", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["practitioner_id"],
            [f"{schema}.projected_practitioner.id"],
            name="fk_projected_membership_practitioner_id_projected_practitioner",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("practitioner_id", "position", name="pk_projected_membership"),
        schema=schema,
    )
    op.create_index(
        "ix_projected_membership_team_id", "projected_membership", ["team_id"], schema=schema
    )
    op.create_table(
        "projected_team",
        sa.Column("id", postgresql.UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        _projected_at(),
        sa.PrimaryKeyConstraint("id", name="pk_projected_team"),
        schema=schema,
    )


def downgrade_v1(schema: str) -> None:
    """Drop what upgrade_v1 created (the projection refills from a catch-up after an upgrade)."""
    op.drop_table("projected_team", schema=schema)
    op.drop_table("projected_membership", schema=schema)
    op.drop_table("projected_practitioner", schema=schema)
    op.drop_table("projected_allocation", schema=schema)
    op.drop_table("projected_case", schema=schema)


def upgrade_v2(schema: str) -> None:
    """Add the case's kind; rows projected before it were Family Safeguarding cases."""
    op.add_column(
        "projected_case",
        sa.Column("kind", sa.Text(), server_default="family_safeguarding", nullable=False),
        schema=schema,
    )
    op.create_check_constraint(
        op.f("ck_projected_case_kind"),
        "projected_case",
        "kind IN ('family_safeguarding', 'early_help')",
        schema=schema,
    )


def downgrade_v2(schema: str) -> None:
    """Drop the case's kind."""
    op.drop_constraint(op.f("ck_projected_case_kind"), "projected_case", schema=schema)
    op.drop_column("projected_case", "kind", schema=schema)
