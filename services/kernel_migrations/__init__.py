"""Frozen migration steps for the kernel tables, called from each service's revisions.

These are snapshots: when the kernel tables change, add the next step (`v6_<what>.py`, with
`upgrade_v6` and `downgrade_v6`) here, export it below, and add a new revision in every service;
never edit an existing step. v1 (each service's first revision) creates the tables; v2
(`<schema>_outbox_traceparent`) carries trace context on outbox events; v3
(`<schema>_audit_sealing`) moves the audit chain off the request path; v4
(`<schema>_changes_webhooks`) adds the change feed's log and cursors and webhook subscriptions;
v5 (`<schema>_access_log_time`) indexes the audit log by time for the access log's reads.

Every unit's revisions import the steps from here (one module per step below), so a revision
never needs to know which file a step lives in.
"""

from services.kernel_migrations.v1_kernel_tables import downgrade_v1, upgrade_v1
from services.kernel_migrations.v2_outbox_traceparent import downgrade_v2, upgrade_v2
from services.kernel_migrations.v3_audit_sealing import downgrade_v3, upgrade_v3
from services.kernel_migrations.v4_changes_webhooks import downgrade_v4, upgrade_v4
from services.kernel_migrations.v5_access_log_time import downgrade_v5, upgrade_v5

__all__ = [
    "downgrade_v1",
    "downgrade_v2",
    "downgrade_v3",
    "downgrade_v4",
    "downgrade_v5",
    "upgrade_v1",
    "upgrade_v2",
    "upgrade_v3",
    "upgrade_v4",
    "upgrade_v5",
]
