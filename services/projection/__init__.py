"""The case projection every workflow service keeps: cases, allocations, practitioners, teams.

The workbook is the record; supervision, interventions and (later) the pathway are workflows
on its cases. They never read the workbook's tables nor import its code: they learn cases,
allocations and closures from the workbook's events and practitioners and teams from the
directory's, keep them in their own schema, and enforce need-to-know on that copy. A service
gets all of it by declaring it, beside its kernel tables:

    # <service>/models.py
    kernel = define_kernel_tables(Base.metadata)
    projection = CaseProjection(Base.metadata)

    # <service>/app.py
    create_service_app(..., inbox=projection.register(Inbox()))

    # a router
    VisibleCase = Annotated[ProjectedCase, Depends(projection.visible_case)]
    ManagedCase = Annotated[ProjectedCase, Depends(projection.managed_case)]
    ...where(projection.case_visible(principal, Meeting.case_id))

and one revision in its migrations calling `services.projection.migrations.upgrade_v1`.

How it converges. Every change of a case or an allocation in the workbook publishes the whole
record as it now stands with the row's `version` (services/event_contracts.py: CaseSnapshot,
AllocationSnapshot; ids, times and flags, never words typed by people), as the directory does
for practitioners and teams. The inbox applies each event id once; the handlers here keep a
snapshot only if its version is newer than the stored one (apply.py). So deliveries that are
duplicated, reordered, or missed and replayed later all end in the newest state.

How a service catches up. A new deployment, or a lost projection, runs
`fsm events catch-up --to <unit>`: each publisher restates every record as it stands,
addressed to that unit alone, through its own outbox and relay (catch_up.py says why this and
not a redelivery of past events). The demo seeders restate their demo records on every
`fsm run`, so a developer's projections fill however old their local database is.

Who may see a case (access.py has the rule in full): workers allocated now, workers allocated
when a closed case closed, managers and auditors of the owning team, and the `system` role;
the workbook's rule without break-glass. Anyone else gets the 404 a missing case gets.

Modules: tables.py (the tables, for any schema), migrations.py (frozen steps creating them),
apply.py (snapshots applied by version), access.py (the rule as SQL, a case with the caller's
standing), dependencies.py (load-or-404 dependencies), projection.py (`CaseProjection`),
catch_up.py (restating to one subscriber).
"""

from services.projection.access import ProjectedCase, ProjectedCaseNotFound
from services.projection.catch_up import Announcement
from services.projection.projection import CaseProjection

__all__ = ["Announcement", "CaseProjection", "ProjectedCase", "ProjectedCaseNotFound"]
