"""HTTP endpoints for claim readiness."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from pathway_api.access import not_early_help
from pathway_api.claims.access import ClaimableCase, ClaimsTeam, team_in_claims
from pathway_api.claims.readiness import service
from pathway_api.claims.readiness.schemas import ReadinessRead
from pathway_api.models import projection
from services.auditing import Audit, audited
from services.errors import NotFound, raises
from services.event_contracts import EARLY_HELP
from services.routing import kit_router
from services.unit_of_work import DbSession

router = kit_router(tags=["supporting families claims"])


@router.get("/cases/{case_id}/claim-readiness", summary="Check a family's claim readiness")
@audited("read", "claim_readiness", resource="case_id")
@raises(409)
async def read_claim_readiness(case: ClaimableCase, session: DbSession) -> ReadinessRead:
    """Each Supporting Families criterion met or missing, with what is missing, as of today."""
    if case.kind != EARLY_HELP:
        raise not_early_help()
    found = await service.of_case(session, case.id)
    if found is None:
        raise NotFound("case")
    return found


@router.get("/claims/readiness", summary="List closed families' claim readiness")
@audited("list", "claim_readiness", resource="")
async def list_claim_readiness(
    session: DbSession,
    principal: ClaimsTeam,
    note: Audit,
    ready: Annotated[
        bool | None, Query(description="Only those ready (true) or not ready (false)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ReadinessRead]:
    """Closed early help families of the caller's teams (every team for the Supporting Families
    team), most recently closed first, each with its criteria."""
    in_claims = team_in_claims(principal, projection.tables.cases.c.owning_team_id)
    rows = await service.of_closed(session, in_claims, ready=ready, limit=limit)
    note.details["count"] = len(rows)
    return rows
