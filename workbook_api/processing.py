"""What the workbook's tables hold, for the records of processing (services/processing/)."""

from workbook_api.models import Base

METADATA = Base.metadata
TABLE_CATEGORIES: dict[str, str] = {
    "family": "case_record",
    "person": "case_record",
    "person_identifier": "case_record",
    "relationship": "case_record",
    "safeguarding_case": "case_record",
    "allocation": "case_record",
    "episode": "case_record",
    "entry": "case_record",
    "entry_revision": "case_record",
    "chronology_event": "case_record",
    # Which child of a case became looked after or was adopted, and when: kept with the case.
    "retention_classification": "case_record",
    "break_glass_grant": "security_audit",
    "directory_practitioner": "case_reference",
    "external_id": "integration",
    "match_review": "integration",
    "import_job": "integration",
    "import_file": "integration",
    "import_row_error": "integration",
    "sync_operation": "integration",
    "subject_access_request": "subject_access",
    "subject_access_export": "subject_access",
    "subject_access_item": "subject_access",
    "subject_access_redaction": "subject_access",
    "subject_access_bundle": "subject_access",
    "subject_access_disclosure": "subject_access",
}
