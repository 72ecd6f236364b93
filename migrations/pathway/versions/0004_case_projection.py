"""The case projection: cases, allocations, practitioners and teams learned from events.

Revision ID: pathway_case_projection
Revises: pathway_audit_sealing
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.projection.migrations import downgrade_v1, upgrade_v1

revision: str = "pathway_case_projection"
down_revision: str | None = "pathway_audit_sealing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "pathway"


def upgrade() -> None:
    upgrade_v1(SCHEMA)


def downgrade() -> None:
    downgrade_v1(SCHEMA)
