"""What the intervention unit's tables hold, for the records of processing (services/processing/).

Its kernel and case projection tables are categorised by the kernel; name each table of its
own here (`workflow_record` for what it records about a case).
"""

from intervention_api.models import Base

METADATA = Base.metadata
TABLE_CATEGORIES: dict[str, str] = {
    "programme_version": "configuration",
    "enrolment": "workflow_record",
    "planned_module": "workflow_record",
    "module_progress_change": "workflow_record",
    "programme_session": "workflow_record",
    "miti_coding": "workflow_record",
    "parenting_assessment": "workflow_record",
    "parenting_assessment_section": "workflow_record",
    "parenting_assessment_evidence": "workflow_record",
    "parenting_assessment_transition": "workflow_record",
}
