"""Subject access: what each unit holds about a family's cases, for the DPO's export.

The workbook owns people, so it runs subject access requests (workbook_api/subject_access/);
the other units hold records about the same cases that a request must gather. Each serves
`GET /subject-access/records?case_id=...` (mounted by `create_service_app` beside the access
log, answered by the unit's own `subject_access.py` source): the DPO's only, every read audited
with the purpose `subject_access`. The workbook calls it as the DPO when an export starts
(services/unit_calls.py), so each unit applies its own rule and writes its own audit row.
"""
