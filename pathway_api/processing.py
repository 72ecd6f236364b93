"""What the pathway unit's tables hold, for the records of processing (services/processing/).

Its kernel and case projection tables are categorised by the kernel; each table of its own is
named here: the continuum's configuration is reference data, everything else is what the early
help pathway records about a family's case.
"""

from pathway_api.models import Base

METADATA = Base.metadata
TABLE_CATEGORIES: dict[str, str] = {
    "configuration": "configuration",
    "level_decision": "workflow_record",
    "involvement": "workflow_record",
    "stage_change": "workflow_record",
    "consent": "workflow_record",
    "taf_contact": "workflow_record",
    "escalation": "workflow_record",
    "assessment": "workflow_record",
    "plan_target": "workflow_record",
    "plan_review": "workflow_record",
    "safety_mapping": "workflow_record",
    "transfer": "workflow_record",
    "claim_settings": "configuration",
    "claim_ready_announcement": "workflow_record",
    "claim_batch": "workflow_record",
    "claim": "workflow_record",
    "claim_sample": "workflow_record",
    "claim_audit_decision": "workflow_record",
    # The outcomes framework: definitions and settings are configuration; a return keeps only
    # counts of families per team (and who uploaded it), a workflow record of the council's.
    "outcome_framework": "configuration",
    "outcome_settings": "configuration",
    "outcome_import": "workflow_record",
    "outcome_import_count": "workflow_record",
}
