"""Kernel step v5: the audit log indexed in the access log's order (newest first).

Revision ID: directory_access_log_time
Revises: directory_changes_webhooks
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.kernel_migrations import downgrade_v5, upgrade_v5

revision: str = "directory_access_log_time"
down_revision: str | None = "directory_changes_webhooks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "directory"


def upgrade() -> None:
    upgrade_v5(SCHEMA)


def downgrade() -> None:
    downgrade_v5(SCHEMA)
