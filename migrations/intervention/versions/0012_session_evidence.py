"""Programme sessions as parenting assessment evidence: a second evidence kind.

Revision ID: intervention_session_evidence
Revises: intervention_access_log_time
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

revision: str = "intervention_session_evidence"
down_revision: str | None = "intervention_access_log_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "intervention"
TABLE = "parenting_assessment_evidence"
CHECK = "ck_parenting_assessment_evidence_kind"


def upgrade() -> None:
    op.drop_constraint(op.f(CHECK), TABLE, schema=SCHEMA, type_="check")
    op.create_check_constraint(
        op.f(CHECK), TABLE, "kind IN ('workbook_entry', 'programme_session')", schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_constraint(op.f(CHECK), TABLE, schema=SCHEMA, type_="check")
    op.create_check_constraint(op.f(CHECK), TABLE, "kind IN ('workbook_entry')", schema=SCHEMA)
