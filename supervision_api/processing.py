"""What the supervision unit's tables hold, for the records of processing (services/processing/).

Its kernel and case projection tables are categorised by the kernel; name each table of its
own here (`workflow_record` for what it records about a case).
"""

from supervision_api.models import Base

METADATA = Base.metadata
TABLE_CATEGORIES: dict[str, str] = {
    "team_cadence": "workflow_record",
    "case_cadence": "workflow_record",
    "meeting": "workflow_record",
    "meeting_case": "workflow_record",
    "meeting_change": "workflow_record",
    "meeting_invitee": "workflow_record",
    "case_record": "workflow_record",
    "worker_update": "workflow_record",
    "decision": "workflow_record",
    "gcs_action": "workflow_record",
    "record_amendment": "workflow_record",
    "calendar_feed": "practitioner_directory",
    # A team's recurring meeting times, and practitioners' days away (no reason is kept).
    "meeting_slot": "practitioner_directory",
    "absence": "practitioner_directory",
    # Which cases a proposal would discuss when, and why some could not be placed.
    "schedule_proposal": "workflow_record",
}
