"""The projected case's kind: Family Safeguarding or early help (projection step v2).

Revision ID: intervention_case_kind
Revises: intervention_assessments
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from services.projection.migrations import downgrade_v2, upgrade_v2

revision: str = "intervention_case_kind"
down_revision: str | None = "intervention_assessments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "intervention"


def upgrade() -> None:
    upgrade_v2(SCHEMA)


def downgrade() -> None:
    downgrade_v2(SCHEMA)
