"""The case projection: cases, allocations, practitioners and teams learned from events.

Revision ID: intervention_case_projection
Revises: intervention_audit_sealing
Create Date: 2026-12-01
"""

from collections.abc import Sequence

from services.projection.migrations import downgrade_v1, upgrade_v1

revision: str = "intervention_case_projection"
down_revision: str | None = "intervention_audit_sealing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "intervention"


def upgrade() -> None:
    upgrade_v1(SCHEMA)


def downgrade() -> None:
    downgrade_v1(SCHEMA)
