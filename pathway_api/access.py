"""Load-or-404 dependencies on the case a pathway route names, with the standing it needs.

Need-to-know is the projection's rule (services/projection/access.py): the lead practitioner
and the Team Around the Family members with accounts (an early help case's allocations), the
owning team's managers, its auditors (reading only) and the system of record. To anyone else
the case does not exist. Working on a case (recording, deciding) needs an allocation now or
the team's management; the plan-do-review lifecycle is for early help cases only.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.lifecycle.repository import scopes_in_force
from pathway_api.models import projection
from services.auth import CurrentPrincipal
from services.errors import Forbidden, ProblemError, raises
from services.event_contracts import EARLY_HELP
from services.projection import ProjectedCase
from services.projection.dependencies import CaseId
from services.unit_of_work import DbSession

VisibleCase = Annotated[ProjectedCase, Depends(projection.visible_case)]


def not_early_help() -> ProblemError:
    return ProblemError(
        409,
        "not-early-help",
        "This case is not an early help case: the plan-do-review lifecycle runs on early help "
        "cases (step a family down to early help to open one).",
    )


def case_closed() -> ProblemError:
    return ProblemError(409, "case-closed", "This case is closed in the workbook.")


@raises(403, 404, 409)
async def workable_case(
    case_id: CaseId, principal: CurrentPrincipal, session: DbSession
) -> ProjectedCase:
    """An open case (any kind) the caller works on: allocated now, or its team's manager."""
    case = await projection.rule.load(session, principal, case_id, lock=True)
    if not case.may_work:
        raise Forbidden("Only the practitioners working with this family and their managers can.")
    if not case.is_open:
        raise case_closed()
    return case


WorkableCase = Annotated[ProjectedCase, Depends(workable_case)]


@raises(404, 409)
async def early_help_case(
    case_id: CaseId, principal: CurrentPrincipal, session: DbSession
) -> ProjectedCase:
    """An early help case the caller may see."""
    case = await projection.rule.load(session, principal, case_id)
    if case.kind != EARLY_HELP:
        raise not_early_help()
    return case


EarlyHelpCase = Annotated[ProjectedCase, Depends(early_help_case)]


@raises(403, 404, 409)
async def workable_early_help_case(case: WorkableCase) -> ProjectedCase:
    """An open early help case the caller works on, locked for the change."""
    if case.kind != EARLY_HELP:
        raise not_early_help()
    return case


WorkableEarlyHelpCase = Annotated[ProjectedCase, Depends(workable_early_help_case)]


def partner_on(case: ProjectedCase) -> bool:
    """The caller works with the family for a partner agency: allocated, not its lead, not a
    manager of its team."""
    return case.allocated and not case.allocated_social_worker and not case.manages


async def plan_shared(session: AsyncSession, case: ProjectedCase) -> bool:
    """Whether the caller may read the case's assessment, plan and reviews (see below)."""
    if not partner_on(case) or case.is_system:
        return True
    return "information_sharing" in await scopes_in_force(session, case.id)


@raises(403, 404, 409)
async def shared_early_help_case(case: EarlyHelpCase, session: DbSession) -> ProjectedCase:
    """An early help case whose assessment and plan the caller may read.

    The family's consent decides what partner agencies see: a TAF member who is not the lead
    reads the assessment, the plan and its reviews only while a family member's consent to
    share information is in force. The lead, the team's managers and auditors, and the system
    of record read them regardless (they hold the record).
    """
    if not await plan_shared(session, case):
        raise ProblemError(
            403,
            "consent-not-shared",
            "The family has not agreed to share this with partner agencies "
            "(no consent to information sharing is in force).",
        )
    return case


SharedEarlyHelpCase = Annotated[ProjectedCase, Depends(shared_early_help_case)]
