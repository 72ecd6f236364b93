"""Retention: how long each kind of record is kept, legal holds, reviews and destruction.

The rules are configuration (`rules.py`, `FSM_RETENTION_*`): child protection records 35 years
after closure, looked-after children's to their 75th birthday, adoption records 100 years from
the order, early help as the council sets; a council may lengthen the first three, never
shorten them below the law or national guidance. A record is kept under the latest day of its
own rule and of every classification on it (`case_due_on`). A unit that holds records keeps,
beside them,
its legal holds, the DPO's reviews and the certificates of what was destroyed (`tables.py`,
created by `migrations.upgrade_v1`): nothing is destroyed by an API call, only by the operator
command `fsm retention destroy`, after a review made once the record fell due, and never while
a legal hold stands. A destroyed record keeps its skeleton (ids, times, kinds) with tombstones
in place of narrative, so chronologies and the audit log, which is never deleted, stay whole.

A subject access request reads the same rules and holds: a held or destroyed record is
reported as such rather than silently missing.
"""
