"""Subject access: drafts and withdrawn entries are gathered too, labelled as what they are.

An item says whether it is part of the record (`final`), a draft not yet part of it, or an
entry withdrawn as recorded in error; a withdrawn entry's text is proposed for redaction whole
with its own reason (`withdrawn_in_error`).

Revision ID: workbook_subject_access_status
Revises: workbook_retention_classes
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "workbook_subject_access_status"
down_revision: str | None = "workbook_retention_classes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"
REASONS = "'family_member', 'member_of_public', 'other_persons_restricted_detail', 'reviewer'"


def upgrade() -> None:
    op.add_column(
        "subject_access_item",
        sa.Column("record_status", sa.String(length=16), server_default="final", nullable=False),
        schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_subject_access_item_record_status"),
        "subject_access_item",
        "record_status IN ('final', 'draft', 'withdrawn')",
        schema=SCHEMA,
    )
    op.drop_constraint(
        op.f("ck_subject_access_redaction_reason"), "subject_access_redaction", schema=SCHEMA
    )
    op.create_check_constraint(
        op.f("ck_subject_access_redaction_reason"),
        "subject_access_redaction",
        f"reason IN ({REASONS}, 'withdrawn_in_error')",
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.execute("DELETE FROM workbook.subject_access_redaction WHERE reason = 'withdrawn_in_error'")
    op.drop_constraint(
        op.f("ck_subject_access_redaction_reason"), "subject_access_redaction", schema=SCHEMA
    )
    op.create_check_constraint(
        op.f("ck_subject_access_redaction_reason"),
        "subject_access_redaction",
        f"reason IN ({REASONS})",
        schema=SCHEMA,
    )
    op.drop_constraint(
        op.f("ck_subject_access_item_record_status"), "subject_access_item", schema=SCHEMA
    )
    op.drop_column("subject_access_item", "record_status", schema=SCHEMA)
