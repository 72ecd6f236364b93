"""Subject access requests: requests, export jobs, items found, redactions, bundles, disclosures.

Revision ID: workbook_subject_access
Revises: workbook_access_log_time
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "workbook_subject_access"
down_revision: str | None = "workbook_access_log_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"
TABLES = (
    "subject_access_disclosure",
    "subject_access_bundle",
    "subject_access_redaction",
    "subject_access_item",
    "subject_access_export",
    "subject_access_request",
)


def upgrade() -> None:
    op.create_table(
        "subject_access_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("family_id", sa.Uuid(), nullable=False),
        sa.Column("requester_name", sa.String(length=200), nullable=False),
        sa.Column("requester_relationship", sa.String(length=32), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("extended_due_on", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("registered_by_id", sa.Uuid(), nullable=False),
        sa.Column("registered_by_name", sa.String(length=200), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open', 'disclosed', 'withdrawn')",
            name=op.f("ck_subject_access_request_status"),
        ),
        sa.CheckConstraint(
            "(extended_due_on IS NULL) = (extension_reason IS NULL)",
            name=op.f("ck_subject_access_request_extension_has_reason"),
        ),
        sa.CheckConstraint(
            "extended_due_on IS NULL OR extended_due_on > due_on",
            name=op.f("ck_subject_access_request_extends"),
        ),
        sa.ForeignKeyConstraint(
            ["family_id"],
            ["workbook.family.id"],
            name=op.f("fk_subject_access_request_family_id_family"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["workbook.person.id"],
            name=op.f("fk_subject_access_request_person_id_person"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_request")),
        schema="workbook",
    )
    op.create_index(
        "ix_subject_access_request_created_at_id",
        "subject_access_request",
        ["created_at", "id"],
        unique=False,
        schema="workbook",
    )
    op.create_index(
        "ix_subject_access_request_person_id",
        "subject_access_request",
        ["person_id"],
        unique=False,
        schema="workbook",
    )
    op.create_table(
        "subject_access_export",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("remote_records", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("cases_total", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("cases_done", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("items_found", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("started_by_id", sa.Uuid(), nullable=False),
        sa.Column("bundle_requested_by_id", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'in_review', 'bundling', 'bundled', 'failed')",
            name=op.f("ck_subject_access_export_status"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["workbook.subject_access_request.id"],
            name=op.f("fk_subject_access_export_request_id_subject_access_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_export")),
        schema="workbook",
    )
    op.create_index(
        "ix_subject_access_export_queue",
        "subject_access_export",
        ["created_at"],
        unique=False,
        schema="workbook",
        postgresql_where=sa.text("status IN ('queued', 'running', 'bundling')"),
    )
    op.create_index(
        "ix_subject_access_export_request_id",
        "subject_access_export",
        ["request_id"],
        unique=False,
        schema="workbook",
    )
    op.create_table(
        "subject_access_item",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("export_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.Uuid(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=True),
        sa.Column("sections", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["workbook.subject_access_export.id"],
            name=op.f("fk_subject_access_item_export_id_subject_access_export"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_item")),
        sa.UniqueConstraint(
            "export_id", "position", name=op.f("uq_subject_access_item_export_id_position")
        ),
        schema="workbook",
    )
    op.create_table(
        "subject_access_redaction",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("export_id", sa.Uuid(), nullable=False),
        sa.Column("item_id", sa.Uuid(), nullable=False),
        sa.Column("section", sa.Integer(), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("end", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("third_party", sa.String(length=200), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_by_id", sa.Uuid(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "decision IN ('proposed', 'confirmed', 'removed')",
            name=op.f("ck_subject_access_redaction_decision"),
        ),
        sa.CheckConstraint(
            "reason IN ('family_member', 'member_of_public',"
            " 'other_persons_restricted_detail', 'reviewer')",
            name=op.f("ck_subject_access_redaction_reason"),
        ),
        sa.CheckConstraint(
            '0 <= start AND start < "end"', name=op.f("ck_subject_access_redaction_span")
        ),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["workbook.subject_access_export.id"],
            name=op.f("fk_subject_access_redaction_export_id_subject_access_export"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["workbook.subject_access_item.id"],
            name=op.f("fk_subject_access_redaction_item_id_subject_access_item"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_redaction")),
        schema="workbook",
    )
    op.create_index(
        "ix_subject_access_redaction_export_id",
        "subject_access_redaction",
        ["export_id", "item_id", "section"],
        unique=False,
        schema="workbook",
    )
    op.create_table(
        "subject_access_bundle",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("export_id", sa.Uuid(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("json_document", sa.LargeBinary(), nullable=False),
        sa.Column("json_sha256", sa.String(length=64), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("redactions", sa.Integer(), nullable=False),
        sa.Column("produced_by_id", sa.Uuid(), nullable=False),
        sa.Column(
            "produced_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["workbook.subject_access_export.id"],
            name=op.f("fk_subject_access_bundle_export_id_subject_access_export"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_bundle")),
        sa.UniqueConstraint("export_id", name=op.f("uq_subject_access_bundle_export_id")),
        schema="workbook",
    )
    op.create_table(
        "subject_access_disclosure",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("bundle_id", sa.Uuid(), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("json_sha256", sa.String(length=64), nullable=False),
        sa.Column("disclosed_to", sa.String(length=200), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("disclosed_on", sa.Date(), nullable=False),
        sa.Column("disclosed_by_id", sa.Uuid(), nullable=False),
        sa.Column("disclosed_by_name", sa.String(length=200), nullable=False),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "method IN ('post', 'secure_email', 'in_person')",
            name=op.f("ck_subject_access_disclosure_method"),
        ),
        sa.ForeignKeyConstraint(
            ["bundle_id"],
            ["workbook.subject_access_bundle.id"],
            name=op.f("fk_subject_access_disclosure_bundle_id_subject_access_bundle"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["workbook.subject_access_request.id"],
            name=op.f("fk_subject_access_disclosure_request_id_subject_access_request"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subject_access_disclosure")),
        schema="workbook",
    )
    op.create_index(
        "ix_subject_access_disclosure_request_id",
        "subject_access_disclosure",
        ["request_id"],
        unique=False,
        schema="workbook",
    )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table, schema=SCHEMA)
