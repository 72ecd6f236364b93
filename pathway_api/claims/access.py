"""Who works with Supporting Families claims, and the case a claim route names.

Claims are the council's Supporting Families team's (role `supporting_families`, council-wide:
it checks and claims for every team's families) and managers' (role `team_manager`, for the
teams they manage). Auditors (role `auditor`) see the claims drawn for audit, their evidence,
and nothing else: the ledger's queries select only sampled claims for them. Everyone else is
refused by role (403) before anything is looked up; a case outside the caller's claims is a
404, the same answer as a case that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import Depends
from sqlalchemy import ColumnElement, false, func, select, true

from pathway_api.models import projection
from services.auth import AUDITOR_ROLE, SUPPORTING_FAMILIES_ROLE, require_any_role
from services.clock import remember_transaction_now
from services.errors import NotFound, raises
from services.principal import Principal
from services.projection.dependencies import CaseId
from services.unit_of_work import DbSession

MANAGER_ROLE = "team_manager"
_cases = projection.tables.cases

ClaimsTeam = Annotated[Principal, Depends(require_any_role(SUPPORTING_FAMILIES_ROLE, MANAGER_ROLE))]
SupportingFamiliesTeam = Annotated[Principal, Depends(require_any_role(SUPPORTING_FAMILIES_ROLE))]
Manager = Annotated[Principal, Depends(require_any_role(MANAGER_ROLE))]
ClaimsOrAudit = Annotated[
    Principal, Depends(require_any_role(SUPPORTING_FAMILIES_ROLE, MANAGER_ROLE, AUDITOR_ROLE))
]
Auditor = Annotated[Principal, Depends(require_any_role(AUDITOR_ROLE))]


def is_claims_team(principal: Principal) -> bool:
    return principal.has_role(SUPPORTING_FAMILIES_ROLE)


def team_in_claims(principal: Principal, team_id: ColumnElement[UUID]) -> ColumnElement[bool]:
    """A predicate: a family of this team is in the caller's claims work."""
    if is_claims_team(principal):
        return true()
    if principal.has_role(MANAGER_ROLE) and principal.managed_team_ids:
        return team_id.in_(principal.managed_team_ids)
    return false()


@dataclass(frozen=True)
class ClaimCase:
    """An early help case whose claim the caller works on."""

    id: UUID
    family_id: UUID
    owning_team_id: UUID
    kind: str
    principal: Principal
    now: datetime


@raises(403, 404)
async def claim_case(case_id: CaseId, principal: ClaimsTeam, session: DbSession) -> ClaimCase:
    """The case, if its family is in the caller's claims work; otherwise 404."""
    row = (
        await session.execute(
            select(
                _cases.c.id,
                _cases.c.family_id,
                _cases.c.owning_team_id,
                _cases.c.kind,
                func.now().label("now"),
            ).where(_cases.c.id == case_id, team_in_claims(principal, _cases.c.owning_team_id))
        )
    ).one_or_none()
    if row is None:
        raise NotFound("case")
    remember_transaction_now(session, row.now)
    return ClaimCase(row.id, row.family_id, row.owning_team_id, row.kind, principal, row.now)


ClaimableCase = Annotated[ClaimCase, Depends(claim_case)]
