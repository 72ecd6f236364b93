"""Kernel step v5: the audit log indexed in the access log's order (newest first).

Revision ID: workbook_access_log_time
Revises: workbook_retention
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.kernel_migrations import downgrade_v5, upgrade_v5

revision: str = "workbook_access_log_time"
down_revision: str | None = "workbook_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"


def upgrade() -> None:
    upgrade_v5(SCHEMA)


def downgrade() -> None:
    downgrade_v5(SCHEMA)
