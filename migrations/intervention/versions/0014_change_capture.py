"""Capture the programme's and the parenting assessment's records in the change log.

Every table the unit's change feed renders gets capture triggers (services/change_feed/
capture.py), and the records already there are logged once, so the first read of the feed has
them all. An enrolment is sent whole with its plan of modules; a session with its MITI codings;
an assessment version with its sections, evidence and history (and the version it supersedes,
whose successor it now names). A session also sends its enrolment again (its attendance).

Revision ID: intervention_change_capture
Revises: intervention_progress_history
Create Date: 2026-11-30
"""

from collections.abc import Sequence

from alembic import op

from services.change_feed.capture import (
    Capture,
    JoinedCapture,
    create_capture_triggers_sql,
    create_joined_capture_triggers_sql,
    drop_capture_triggers_sql,
)

revision: str = "intervention_change_capture"
down_revision: str | None = "intervention_progress_history"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "intervention"


def _case_of(table: str, id_sql: str) -> str:
    # Static SQL of this revision's own names, for a trigger body.
    return f"(SELECT x.case_id FROM intervention.{table} x WHERE x.id = {id_sql})"  # noqa: S608


_SECTION_ASSESSMENT = (
    "(SELECT s.assessment_id FROM intervention.parenting_assessment_section s"
    " WHERE s.id = new_rows.section_id)"
)

# Frozen here rather than imported: what this revision installs must not change under it.
CAPTURES = (
    Capture("enrolment", "enrolment", "id", "case_id"),
    Capture(
        "planned_module",
        "enrolment",
        "enrolment_id",
        _case_of("enrolment", "new_rows.enrolment_id"),
    ),
    Capture(
        "miti_coding",
        "programme_session",
        "session_id",
        _case_of("programme_session", "new_rows.session_id"),
    ),
    Capture(
        "parenting_assessment_section",
        "parenting_assessment",
        "assessment_id",
        _case_of("parenting_assessment", "new_rows.assessment_id"),
    ),
    Capture(
        "parenting_assessment_evidence",
        "parenting_assessment",
        _SECTION_ASSESSMENT,
        _case_of("parenting_assessment", _SECTION_ASSESSMENT),
    ),
    Capture(
        "parenting_assessment_transition",
        "parenting_assessment",
        "assessment_id",
        _case_of("parenting_assessment", "new_rows.assessment_id"),
    ),
)
JOINED = (
    # A session is sent with its codings; its enrolment again too (its attendance counts).
    JoinedCapture(
        "programme_session",
        "",
        "new_rows CROSS JOIN LATERAL (VALUES ('programme_session', new_rows.id),"
        " ('enrolment', new_rows.enrolment_id)) AS touched(kind, id)",
        "touched.id",
        "new_rows.case_id",
        kind_sql="touched.kind",
    ),
    # A new version changes the one it supersedes too (its `superseded_by_id`).
    JoinedCapture(
        "parenting_assessment",
        "parenting_assessment",
        "new_rows CROSS JOIN LATERAL (VALUES (new_rows.id), (new_rows.supersedes_id))"
        " AS touched(id) WHERE touched.id IS NOT NULL",
        "touched.id",
        "new_rows.case_id",
    ),
)
TABLES = [capture.table for capture in CAPTURES] + [capture.table for capture in JOINED]

# What is already recorded, logged once in this order.
EXISTING = (
    "SELECT 'enrolment', id, case_id FROM intervention.enrolment",
    "SELECT 'programme_session', id, case_id FROM intervention.programme_session",
    "SELECT 'parenting_assessment', id, case_id FROM intervention.parenting_assessment",
)


def upgrade() -> None:
    for capture in CAPTURES:
        for statement in create_capture_triggers_sql(SCHEMA, capture):
            op.execute(statement)
    for joined in JOINED:
        for statement in create_joined_capture_triggers_sql(SCHEMA, joined):
            op.execute(statement)
    for select in EXISTING:
        op.execute(f"INSERT INTO intervention.change_log (kind, record_id, scope_id) {select}")


def downgrade() -> None:
    for table in reversed(TABLES):
        # Dropping needs only the table's name (the function is named after it).
        for statement in drop_capture_triggers_sql(SCHEMA, Capture(table, "", "", "")):
            op.execute(statement)
    op.execute("DELETE FROM intervention.change_log")
