"""The programme's copies of a case's narrative, tombstoned when the workbook destroys the case.

The checklist is `intervention_api/subject_access.py`: enrolments (why one ended), the planned
modules and their progress (why a module stood where it did), the session logs with their
restricted detail and withdrawal, and each parenting assessment version (its title, the
analysis of every section, sign-off and return comments). Left as skeleton: MITI codings
(scores and counts only), assessment evidence links (ids, types and dates by design, no words),
section headings (the programme's template) and codes.
"""

from __future__ import annotations

from intervention_api.assessments.models import (
    Assessment,
    AssessmentSection,
    AssessmentTransition,
)
from intervention_api.enrolments.models import Enrolment, PlannedModule, ProgressChange
from intervention_api.models import destructions, kernel
from intervention_api.sessions.models import ProgrammeSession
from services.inbox import Inbox
from services.retention.handler import DestructionHandler
from services.retention.tombstones import Narrative, Via, table_of

_ENROLMENT = Via("enrolment_id", table_of(Enrolment))
_ASSESSMENT = Via("assessment_id", table_of(Assessment))

NARRATIVES = (
    Narrative("enrolments", table_of(Enrolment), text=("end_reason",)),
    Narrative("planned_modules", table_of(PlannedModule), text=("status_reason",), via=_ENROLMENT),
    Narrative("module_progress", table_of(ProgressChange), text=("reason",), via=_ENROLMENT),
    Narrative(
        "programme_sessions",
        table_of(ProgrammeSession),
        text=("summary", "restricted_detail", "withdrawal_reason"),
    ),
    Narrative(
        "parenting_assessments",
        table_of(Assessment),
        text=("title", "sign_off_comment"),
        version="version",
    ),
    Narrative(
        "assessment_sections", table_of(AssessmentSection), text=("analysis",), via=_ASSESSMENT
    ),
    Narrative(
        "assessment_transitions",
        table_of(AssessmentTransition),
        text=("comment",),
        via=_ASSESSMENT,
    ),
)

DESTRUCTION = DestructionHandler(kernel, destructions, NARRATIVES)


def register(inbox: Inbox) -> Inbox:
    """Take the workbook's `case.destroyed` on the programme's inbox."""
    return DESTRUCTION.register(inbox)
