"""Kernel tables for the pathway schema: audit log, outbox, inbox, idempotency keys.

Revision ID: pathway_0001
Revises:
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.kernel_migrations import downgrade_v1, upgrade_v1

revision: str = "pathway_0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "pathway"


def upgrade() -> None:
    upgrade_v1(SCHEMA)


def downgrade() -> None:
    downgrade_v1(SCHEMA)
