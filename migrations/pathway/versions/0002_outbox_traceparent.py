"""Outbox events carry the W3C traceparent of the request that wrote them (kernel step v2).

Revision ID: pathway_outbox_traceparent
Revises: pathway_0001
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.kernel_migrations import downgrade_v2, upgrade_v2

revision: str = "pathway_outbox_traceparent"
down_revision: str | None = "pathway_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "pathway"


def upgrade() -> None:
    upgrade_v2(SCHEMA)


def downgrade() -> None:
    downgrade_v2(SCHEMA)
