"""Kernel step v4: the change feed's log and cursors, and webhook subscriptions.

Revision ID: pathway_changes_webhooks
Revises: pathway_case_projection
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.kernel_migrations import downgrade_v4, upgrade_v4

revision: str = "pathway_changes_webhooks"
down_revision: str | None = "pathway_case_projection"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "pathway"


def upgrade() -> None:
    upgrade_v4(SCHEMA)


def downgrade() -> None:
    downgrade_v4(SCHEMA)
