"""Kernel step v4: the change feed's log and cursors, and webhook subscriptions.

Revision ID: directory_changes_webhooks
Revises: directory_identities_scim
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.kernel_migrations import downgrade_v4, upgrade_v4

revision: str = "directory_changes_webhooks"
down_revision: str | None = "directory_identities_scim"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "directory"


def upgrade() -> None:
    upgrade_v4(SCHEMA)


def downgrade() -> None:
    downgrade_v4(SCHEMA)
