"""A case's kind: Family Safeguarding or early help, one open case of each kind per family.

Revision ID: workbook_case_kind
Revises: workbook_0007_records
Create Date: 2026-11-30
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "workbook_case_kind"
down_revision: str | None = "workbook_0007_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "workbook"


def upgrade() -> None:
    # Every case before kinds was a Family Safeguarding involvement.
    op.add_column(
        "safeguarding_case",
        sa.Column(
            "kind", sa.String(length=32), server_default="family_safeguarding", nullable=False
        ),
        schema=SCHEMA,
    )
    op.create_check_constraint(
        op.f("ck_safeguarding_case_kind"),
        "safeguarding_case",
        "kind IN ('family_safeguarding', 'early_help')",
        schema=SCHEMA,
    )
    op.create_index(
        "uq_safeguarding_case_open_family_kind",
        "safeguarding_case",
        ["family_id", "kind"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
        schema=SCHEMA,
    )
    op.drop_index("uq_safeguarding_case_open_family", "safeguarding_case", schema=SCHEMA)


def downgrade() -> None:
    # Fails, as it should, while a family has an open case of each kind.
    op.create_index(
        "uq_safeguarding_case_open_family",
        "safeguarding_case",
        ["family_id"],
        unique=True,
        postgresql_where=sa.text("status = 'open'"),
        schema=SCHEMA,
    )
    op.drop_index("uq_safeguarding_case_open_family_kind", "safeguarding_case", schema=SCHEMA)
    op.drop_constraint(op.f("ck_safeguarding_case_kind"), "safeguarding_case", schema=SCHEMA)
    op.drop_column("safeguarding_case", "kind", schema=SCHEMA)
