"""Retention: legal holds, the DPO's reviews and destruction certificates.

Revision ID: workbook_retention
Revises: workbook_case_kind
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

from services.retention.migrations import upgrade_v1

revision: str = "workbook_retention"
down_revision: str | None = "workbook_case_kind"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"


def upgrade() -> None:
    upgrade_v1(SCHEMA)


def downgrade() -> None:
    for table in ("retention_certificate", "retention_review", "retention_hold"):
        op.drop_table(table, schema=SCHEMA)
