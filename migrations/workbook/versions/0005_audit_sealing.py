"""Audit chain sealed off the request path: rows inserted unsealed, sealed once by the sealer.

Revision ID: workbook_audit_sealing
Revises: workbook_outbox_traceparent
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from services.kernel_migrations import downgrade_v3, upgrade_v3

revision: str = "workbook_audit_sealing"
down_revision: str | None = "workbook_outbox_traceparent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"


def upgrade() -> None:
    upgrade_v3(SCHEMA)


def downgrade() -> None:
    downgrade_v3(SCHEMA)
