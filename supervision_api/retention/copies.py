"""Supervision's copies of a case's narrative, tombstoned when the workbook destroys the case.

The checklist is `supervision_api/subject_access.py`: each GCS case record's framework
answers, the workers' updates, the decisions and their rationale, the actions agreed (and the
actions a finalised record carried forward), and the amendments' reasons and what they
replaced. Meetings are left: a meeting (its place, a cancellation's reason, an invitee's note)
serves every case on its agenda and says nothing of one family.
"""

from __future__ import annotations

from services.inbox import Inbox
from services.retention.handler import DestructionHandler
from services.retention.tombstones import Narrative, Via, table_of
from supervision_api.models import destructions, kernel
from supervision_api.records.models import (
    CaseRecord,
    Decision,
    GcsAction,
    RecordAmendment,
    WorkerUpdate,
)

_RECORD = table_of(CaseRecord)
_THROUGH_RECORD = Via("record_id", _RECORD)

NARRATIVES = (
    Narrative(
        "gcs_records",
        _RECORD,
        text=("lived_experience", "worried_about", "working_well", "needs_to_happen"),
        json_words={"carried_forward": ("description", "closed_reason")},
        version="version",
    ),
    Narrative("worker_updates", table_of(WorkerUpdate), text=("update",), via=_THROUGH_RECORD),
    Narrative("decisions", table_of(Decision), text=("decision", "rationale"), via=_THROUGH_RECORD),
    Narrative(
        "actions",
        table_of(GcsAction),
        text=("description", "closed_reason"),
        version="version",
    ),
    Narrative(
        "amendments",
        table_of(RecordAmendment),
        text=("reason",),
        json=("previous",),
        via=_THROUGH_RECORD,
    ),
)

DESTRUCTION = DestructionHandler(kernel, destructions, NARRATIVES)


def register(inbox: Inbox) -> Inbox:
    """Take the workbook's `case.destroyed` on supervision's inbox."""
    return DESTRUCTION.register(inbox)
