"""HTTP endpoints for levels of need."""

from __future__ import annotations

from fastapi import Response

from pathway_api.access import VisibleCase, WorkableCase
from pathway_api.configuration import service as configuration
from pathway_api.levels import repository, service
from pathway_api.levels.schemas import LevelDecide, LevelDecisionRead
from services.auditing import Audit, audited
from services.routing import kit_router
from services.unit_of_work import DbSession

router = kit_router(tags=["levels of need"])


@router.get("/cases/{case_id}/levels", summary="List the family's levels of need over time")
@audited("list", "level_decision", resource="case_id")
async def list_levels(case: VisibleCase, session: DbSession) -> list[LevelDecisionRead]:
    """Every level decided for the family and its children, oldest first, across its cases."""
    return [LevelDecisionRead.of(d) for d in await repository.history(session, case.family_id)]


@router.post("/cases/{case_id}/levels", status_code=201, summary="Decide a level of need")
@audited("create", "level_decision", resource="case_id")
async def decide_level(
    body: LevelDecide, case: WorkableCase, response: Response, session: DbSession, note: Audit
) -> LevelDecisionRead:
    """Decide the family's (or a child's) level, on the indicators it rests on and why."""
    continuum = await configuration.current(session)
    decision = await service.decide(session, case, continuum, body)
    note.resource_id, note.case_id = str(decision.id), case.id
    response.headers["Location"] = f"/cases/{case.id}/levels"
    return LevelDecisionRead.of(decision)
