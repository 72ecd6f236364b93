"""Load-or-404 dependencies for a case, each carrying its access, role and If-Match rules.

A handler receives a loaded, authorised `CaseAccess`; each rule runs once, here, and services
trust what they are given. Role checks come first (a 403 for a role that may never do this,
whatever the case), then the case (404 for anyone who may not see it), then the standing the
action needs (403), then the case's state (409) and the version the caller saw (428/412).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Path

from services.auth import CurrentPrincipal, require_any_role
from services.concurrency import IfMatch, check_if_match
from services.errors import Forbidden, ProblemError, raises
from services.principal import Principal
from services.unit_of_work import DbSession
from workbook_api.access.repository import CaseAccess, load_case_access

# Practitioners and team managers record; auditors and the system of record only read.
RECORDING_ROLES = ("practitioner", "team_manager")
READING_ROLES = ("practitioner", "team_manager", "auditor", "system")

Recorder = Annotated[Principal, Depends(require_any_role(*RECORDING_ROLES))]
Reader = Annotated[Principal, Depends(require_any_role(*READING_ROLES))]
CaseId = Annotated[UUID, Path(description="The case")]


def case_closed() -> ProblemError:
    """The one answer to a change the closed case's workbook no longer takes."""
    return ProblemError(409, "case-closed", "The case is closed; its workbook is read-only.")


@raises(404)
async def visible_case(
    case_id: CaseId, principal: CurrentPrincipal, session: DbSession
) -> CaseAccess:
    """A case the caller may see."""
    return await load_case_access(session, principal, case_id)


VisibleCase = Annotated[CaseAccess, Depends(visible_case)]


@raises(403, 404)
async def readable_case(principal: Reader, access: VisibleCase) -> CaseAccess:
    """A case the caller may see, for a role that reads case records."""
    return access


ReadableCase = Annotated[CaseAccess, Depends(readable_case)]


@raises(403, 404, 409)
async def recording_case(principal: Recorder, access: VisibleCase) -> CaseAccess:
    """An open case the caller works on, to record in its workbook."""
    if access.case.status != "open":
        raise case_closed()
    if not access.may_record:
        raise Forbidden(
            "Only workers allocated to the case and its managers record in its workbook."
        )
    return access


RecordingCase = Annotated[CaseAccess, Depends(recording_case)]


def _require_manager(access: CaseAccess) -> CaseAccess:
    if not access.may_manage:
        raise Forbidden("Only a manager of the team that owns this case can do this.")
    return access


@raises(403, 404)
async def managed_case(
    case_id: CaseId, principal: CurrentPrincipal, session: DbSession
) -> CaseAccess:
    """A case the caller manages, locked for the change (allocations, break-glass oversight)."""
    return _require_manager(await load_case_access(session, principal, case_id, lock=True))


ManagedCase = Annotated[CaseAccess, Depends(managed_case)]


@raises(403, 404)
async def overseen_case(
    case_id: CaseId, principal: CurrentPrincipal, session: DbSession
) -> CaseAccess:
    """A case of a team the caller manages, locked: oversight of break-glass is the team
    manager's, never the system of record's (which manages cases, not people's access)."""
    access = await load_case_access(session, principal, case_id, lock=True)
    if not access.manages:
        raise Forbidden("Only a manager of the team that owns this case can do this.")
    return access


OverseenCase = Annotated[CaseAccess, Depends(overseen_case)]


@raises(412, 428)
async def managed_case_at_version(access: ManagedCase, if_match: IfMatch = None) -> CaseAccess:
    """A managed case, as of the version the caller last read (closing, reopening)."""
    check_if_match(if_match, access.case.id, access.case.version)
    return access


ManagedCaseAtVersion = Annotated[CaseAccess, Depends(managed_case_at_version)]
