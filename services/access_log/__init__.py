"""The access log, readable: who consulted or disclosed what, when, why, and what came of it.

Every unit keeps its own append-only audit log (services/audit.py) in its own schema, so each
serves a query over its own rows (`GET /access-log`, mounted by `create_service_app` on every
unit behind the gateway); the gateway answers one query across all of them, its own directory
log included, merged by time (gateway/access_log/). Who reads what:

- the data protection officer (`dpo` role) reads every row;
- auditors read the rows about their own teams' cases, as the unit knows which team owns a case
  (its case table, or the case projection of a workflow unit: `ownership.py`); rows about no
  case (directory changes, webhook subscriptions, searches) are the DPO's only;
- any practitioner reads the rows that name them as the actor (`GET /access-log/mine`).

Reading the log is itself audited (`read` of `access_log`, with the filters used). Rows carry
ids, counts and field names only, never narrative (services/audit.py), so the log may be shown
as it is.
"""
