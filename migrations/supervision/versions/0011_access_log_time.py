"""Kernel step v5: the audit log indexed in the access log's order (newest first).

Revision ID: supervision_access_log_time
Revises: supervision_case_kind
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.kernel_migrations import downgrade_v5, upgrade_v5

revision: str = "supervision_access_log_time"
down_revision: str | None = "supervision_case_kind"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "supervision"


def upgrade() -> None:
    upgrade_v5(SCHEMA)


def downgrade() -> None:
    downgrade_v5(SCHEMA)
