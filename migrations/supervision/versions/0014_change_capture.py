"""Capture supervision's records in its change log, for its change feed.

Every table the feed renders gets capture triggers (services/change_feed/capture.py), and the
records already there are logged once, so the first read of the feed has them all. A meeting
is filed under each case on its agenda (a reader sees it through the cases they may see); a
case's record at a meeting, with its updates, decisions, actions and amendments, under its case
(with the draft records that carry its open actions forward).

Revision ID: supervision_change_capture
Revises: supervision_item_amendments
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

revision: str = "supervision_change_capture"
down_revision: str | None = "supervision_item_amendments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "supervision"


def _agenda_of(meeting_id: str) -> str:
    return f"new_rows JOIN supervision.meeting_case agenda ON agenda.meeting_id = {meeting_id}"


def _record_case(record_id: str) -> str:
    return f"(SELECT r.case_id FROM supervision.case_record r WHERE r.id = {record_id})"  # noqa: S608


# Frozen here rather than imported: what this revision installs must not change under it.
JOINED = (
    # An action belongs to the record that set it, and is carried forward by the case's draft
    # records until done or dropped: each of them is sent again.
    JoinedCapture(
        "gcs_action",
        "case_record",
        "new_rows JOIN supervision.case_record carrying ON carrying.case_id = new_rows.case_id"
        " AND (carrying.id = new_rows.record_id OR carrying.status = 'draft')",
        "carrying.id",
        "new_rows.case_id",
    ),
    JoinedCapture("meeting", "meeting", _agenda_of("new_rows.id"), "new_rows.id", "agenda.case_id"),
    JoinedCapture(
        "meeting_invitee",
        "meeting",
        _agenda_of("new_rows.meeting_id"),
        "new_rows.meeting_id",
        "agenda.case_id",
    ),
    JoinedCapture(
        "meeting_change",
        "meeting",
        _agenda_of("new_rows.meeting_id"),
        "new_rows.meeting_id",
        "agenda.case_id",
    ),
)
CAPTURES = (
    Capture("meeting_case", "meeting", "meeting_id", "case_id"),
    Capture("case_record", "case_record", "id", "case_id"),
    Capture("worker_update", "case_record", "record_id", _record_case("new_rows.record_id")),
    Capture("decision", "case_record", "record_id", _record_case("new_rows.record_id")),
    Capture("record_amendment", "case_record", "record_id", _record_case("new_rows.record_id")),
)
TABLES = [capture.table for capture in JOINED] + [capture.table for capture in CAPTURES]

# What is already recorded, logged once in this order.
EXISTING = (
    "SELECT 'meeting', meeting_id, case_id FROM supervision.meeting_case",
    "SELECT 'case_record', id, case_id FROM supervision.case_record",
)


def upgrade() -> None:
    for joined in JOINED:
        for statement in create_joined_capture_triggers_sql(SCHEMA, joined):
            op.execute(statement)
    for capture in CAPTURES:
        for statement in create_capture_triggers_sql(SCHEMA, capture):
            op.execute(statement)
    for select in EXISTING:
        op.execute(f"INSERT INTO supervision.change_log (kind, record_id, scope_id) {select}")


def downgrade() -> None:
    for table in reversed(TABLES):
        # Dropping needs only the table's name (the function is named after it).
        for statement in drop_capture_triggers_sql(SCHEMA, Capture(table, "", "", "")):
            op.execute(statement)
    op.execute("DELETE FROM supervision.change_log")
