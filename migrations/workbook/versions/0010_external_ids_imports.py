"""The system of record: external ids, the person match review queue, import jobs.

Revision ID: workbook_0007_records
Revises: workbook_change_capture
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "workbook_0007_records"
down_revision: str | None = "workbook_change_capture"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "import_job",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("system", sa.String(length=32), nullable=False),
        sa.Column("file_format", sa.String(length=8), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_done", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("records_created", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("records_updated", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("records_unchanged", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("records_linked", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("records_for_review", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("rows_failed", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("failure", sa.String(length=500), nullable=True),
        sa.Column("requested_by", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("request_id", sa.String(length=128), nullable=False),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("lease_owner", sa.String(length=128), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('families', 'people', 'cases', 'allocations')",
            name=op.f("ck_import_job_kind"),
        ),
        sa.CheckConstraint(
            "file_format IN ('csv', 'ndjson')", name=op.f("ck_import_job_file_format")
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')",
            name=op.f("ck_import_job_status"),
        ),
        sa.CheckConstraint("rows_done >= 0", name=op.f("ck_import_job_rows_done_positive")),
        sa.CheckConstraint(
            "(finished_at IS NOT NULL) = (status IN ('succeeded', 'failed', 'cancelled'))",
            name=op.f("ck_import_job_finished_when_done"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_import_job_created_at_id", "import_job", ["created_at", "id"], schema=SCHEMA
    )
    op.create_index(
        "ix_import_job_unfinished",
        "import_job",
        ["created_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.create_table(
        "import_file",
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("content_encoding", sa.String(length=16), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "content_encoding IN ('identity', 'gzip')", name=op.f("ck_import_file_content_encoding")
        ),
        sa.ForeignKeyConstraint(
            ["job_id"], [f"{SCHEMA}.import_job.id"], name=op.f("fk_import_file_job_id_import_job")
        ),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_import_file")),
        schema=SCHEMA,
    )
    op.create_table(
        "import_row_error",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"],
            [f"{SCHEMA}.import_job.id"],
            name=op.f("fk_import_row_error_job_id_import_job"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_row_error")),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_import_row_error_job_id_row_id",
        "import_row_error",
        ["job_id", "row", "id"],
        schema=SCHEMA,
    )
    op.create_table(
        "external_id",
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("system", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("allocation_id", sa.Uuid(), nullable=True),
        sa.Column("matched_on", sa.String(length=32), nullable=True),
        sa.Column("created_by_practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(
            "record_type IN ('family', 'person', 'case', 'allocation')",
            name=op.f("ck_external_id_record_type"),
        ),
        sa.CheckConstraint(
            "matched_on IS NULL OR matched_on IN ('nhs_number', 'upn', 'local_id', 'open_case',"
            " 'review', 'linked')",
            name=op.f("ck_external_id_matched_on"),
        ),
        sa.CheckConstraint(
            "num_nonnulls(family_id, person_id, case_id, allocation_id) = 1"
            " AND (record_type = 'family') = (family_id IS NOT NULL)"
            " AND (record_type = 'person') = (person_id IS NOT NULL)"
            " AND (record_type = 'case') = (case_id IS NOT NULL)"
            " AND (record_type = 'allocation') = (allocation_id IS NOT NULL)",
            name=op.f("ck_external_id_one_record"),
        ),
        sa.ForeignKeyConstraint(
            ["family_id"], [f"{SCHEMA}.family.id"], name=op.f("fk_external_id_family_id_family")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], [f"{SCHEMA}.person.id"], name=op.f("fk_external_id_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            [f"{SCHEMA}.safeguarding_case.id"],
            name=op.f("fk_external_id_case_id_safeguarding_case"),
        ),
        sa.ForeignKeyConstraint(
            ["allocation_id"],
            [f"{SCHEMA}.allocation.id"],
            name=op.f("fk_external_id_allocation_id_allocation"),
        ),
        sa.PrimaryKeyConstraint("record_type", "system", "value", name=op.f("pk_external_id")),
        schema=SCHEMA,
    )
    for column in ("family_id", "person_id", "case_id", "allocation_id"):
        op.create_index(
            f"ix_external_id_{column}",
            "external_id",
            [column],
            schema=SCHEMA,
            postgresql_where=sa.text(f"{column} IS NOT NULL"),
        )
    op.create_table(
        "match_review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("system", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("team_ids", postgresql.ARRAY(sa.Uuid()), nullable=False),
        sa.Column("record", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("candidates", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("import_job_id", sa.Uuid(), nullable=True),
        sa.Column("import_row", sa.Integer(), nullable=True),
        sa.Column("requested_by_practitioner_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=True),
        sa.Column("decision_reason", sa.String(length=2000), nullable=True),
        sa.Column("resolved_by_practitioner_id", sa.Uuid(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=_now(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'linked', 'created', 'rejected')",
            name=op.f("ck_match_review_status"),
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (resolved_at IS NULL)"
            " AND (status = 'pending') = (decision_reason IS NULL)",
            name=op.f("ck_match_review_resolved_fields"),
        ),
        sa.ForeignKeyConstraint(
            ["family_id"], [f"{SCHEMA}.family.id"], name=op.f("fk_match_review_family_id_family")
        ),
        sa.ForeignKeyConstraint(
            ["import_job_id"],
            [f"{SCHEMA}.import_job.id"],
            name=op.f("fk_match_review_import_job_id_import_job"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], [f"{SCHEMA}.person.id"], name=op.f("fk_match_review_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_review")),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_match_review_pending_key",
        "match_review",
        ["system", "external_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("status = 'pending'"),
    )
    op.create_index(
        "ix_match_review_team_ids",
        "match_review",
        ["team_ids"],
        schema=SCHEMA,
        postgresql_using="gin",
    )
    op.create_index(
        "ix_match_review_created_at_id", "match_review", ["created_at", "id"], schema=SCHEMA
    )
    op.create_index(
        "ix_match_review_import_job_id", "match_review", ["import_job_id"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_table("match_review", schema=SCHEMA)
    op.drop_table("external_id", schema=SCHEMA)
    op.drop_table("import_row_error", schema=SCHEMA)
    op.drop_table("import_file", schema=SCHEMA)
    op.drop_table("import_job", schema=SCHEMA)
