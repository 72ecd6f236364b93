"""The categories of the tables the kernel creates in every schema that has them."""

from __future__ import annotations

KERNEL_TABLE_CATEGORIES: dict[str, str] = {
    # services/kernel_tables.py
    "audit_log": "security_audit",
    "outbox_event": "integration",
    "outbox_delivery": "integration",
    "inbox_event": "integration",
    "idempotency_key": "integration",
    # services/change_feed/tables.py
    "change_log": "integration",
    "change_cursor": "integration",
    # services/webhooks/tables.py
    "webhook_subscription": "integration",
    "webhook_attempt": "integration",
    # services/projection/tables.py
    "projected_case": "case_reference",
    "projected_allocation": "case_reference",
    "projected_practitioner": "case_reference",
    "projected_membership": "case_reference",
    "projected_team": "case_reference",
    # services/retention/tables.py
    "retention_hold": "retention_governance",
    "retention_review": "retention_governance",
    "retention_certificate": "retention_governance",
    # services/retention/certificates.py: a workflow unit's record of the workbook's destructions
    "retention_destruction": "retention_governance",
}
