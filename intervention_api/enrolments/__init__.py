"""Enrolments on a programme: who on a case (a parent, or the family) does which modules, in
what order, with which worker, and how far each module has come.

Cases, allocations and practitioners come from the case projection, never the workbook's
tables. People are the workbook's: this unit holds no family members, so a parent's person id
is recorded as the enrolling worker gives it (the workbook's id of the parent), not checked
here; the family view shows the id for the client to name from the workbook.
"""
