"""Capture the pathway's records in its change log, for its change feed.

Every table the feed renders gets capture triggers (services/change_feed/capture.py), and the
records already there are logged once, so the first read of the feed has them all. An early
help involvement is sent whole (its stage and history, consents, the Team Around the Family's
members and contacts, escalations) under its case's id; each level decision, assessment,
SMART target, review, safety mapping and transfer under its own id, filed under its case.

Revision ID: pathway_change_capture
Revises: pathway_access_log_time
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

from services.change_feed.capture import (
    Capture,
    create_capture_triggers_sql,
    drop_capture_triggers_sql,
)

revision: str = "pathway_change_capture"
down_revision: str | None = "pathway_access_log_time"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "pathway"

# Frozen here rather than imported: what this revision installs must not change under it.
CAPTURES = (
    Capture("involvement", "involvement", "case_id", "case_id"),
    Capture("stage_change", "involvement", "case_id", "case_id"),
    Capture("consent", "involvement", "case_id", "case_id"),
    Capture("taf_contact", "involvement", "case_id", "case_id"),
    Capture("escalation", "involvement", "case_id", "case_id"),
    # The Team Around the Family's members and its lead are the case's allocations.
    Capture("projected_allocation", "involvement", "case_id", "case_id"),
    Capture("level_decision", "level_decision", "id", "case_id"),
    Capture("assessment", "assessment", "id", "case_id"),
    Capture("plan_target", "plan_target", "id", "case_id"),
    Capture("plan_review", "plan_review", "id", "case_id"),
    Capture("safety_mapping", "safety_mapping", "id", "case_id"),
    Capture("transfer", "transfer", "id", "case_id"),
)

# What is already recorded, logged once in this order (an involvement before its parts).
EXISTING = (
    "SELECT DISTINCT 'involvement', case_id, case_id FROM ("
    " SELECT case_id FROM pathway.involvement UNION SELECT case_id FROM pathway.consent"
    " UNION SELECT case_id FROM pathway.taf_contact UNION SELECT case_id FROM pathway.escalation"
    ") AS involved",
    "SELECT 'level_decision', id, case_id FROM pathway.level_decision",
    "SELECT 'assessment', id, case_id FROM pathway.assessment",
    "SELECT 'plan_target', id, case_id FROM pathway.plan_target",
    "SELECT 'plan_review', id, case_id FROM pathway.plan_review",
    "SELECT 'safety_mapping', id, case_id FROM pathway.safety_mapping",
    "SELECT 'transfer', id, case_id FROM pathway.transfer",
)


def upgrade() -> None:
    for capture in CAPTURES:
        for statement in create_capture_triggers_sql(SCHEMA, capture):
            op.execute(statement)
    for select in EXISTING:
        op.execute(f"INSERT INTO pathway.change_log (kind, record_id, scope_id) {select}")


def downgrade() -> None:
    for capture in reversed(CAPTURES):
        for statement in drop_capture_triggers_sql(SCHEMA, capture):
            op.execute(statement)
    op.execute("DELETE FROM pathway.change_log")
