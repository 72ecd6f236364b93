"""The case projection: cases, allocations, practitioners and teams learned from events.

Revision ID: supervision_case_projection
Revises: supervision_audit_sealing
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from services.projection.migrations import downgrade_v1, upgrade_v1

revision: str = "supervision_case_projection"
down_revision: str | None = "supervision_audit_sealing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "supervision"


def upgrade() -> None:
    upgrade_v1(SCHEMA)


def downgrade() -> None:
    downgrade_v1(SCHEMA)
