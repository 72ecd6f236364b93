"""Audit chain sealed off the request path: rows inserted unsealed, sealed once by the sealer.

Revision ID: pathway_audit_sealing
Revises: pathway_outbox_traceparent
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.kernel_migrations import downgrade_v3, upgrade_v3

revision: str = "pathway_audit_sealing"
down_revision: str | None = "pathway_outbox_traceparent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "pathway"


def upgrade() -> None:
    upgrade_v3(SCHEMA)


def downgrade() -> None:
    downgrade_v3(SCHEMA)
