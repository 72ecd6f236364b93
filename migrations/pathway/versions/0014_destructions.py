"""Retention: the workbook's destructions of cases carried out here (retention_destruction).

Revision ID: pathway_destructions
Revises: pathway_outcomes_framework
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.retention.destruction_migrations import (
    downgrade_destruction_v1,
    upgrade_destruction_v1,
)

revision: str = "pathway_destructions"
down_revision: str | None = "pathway_outcomes_framework"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "pathway"


def upgrade() -> None:
    upgrade_destruction_v1(SCHEMA)


def downgrade() -> None:
    downgrade_destruction_v1(SCHEMA)
