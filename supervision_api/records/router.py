"""Record endpoints: read, minute, workers' updates, decisions, actions, finalise, amend."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Depends, Path, Query, Response

from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.concurrency import set_etag
from services.errors import raises
from services.projection import ProjectedCase
from services.routing import kit_router
from services.unit_of_work import DbSession
from supervision_api.models import projection
from supervision_api.records import corrections, service
from supervision_api.records.dependencies import (
    AppendedRecord,
    ChairedRecord,
    ContributedRecord,
    MinutedRecord,
    RecordAccess,
    VisibleRecord,
    WritableCase,
)
from supervision_api.records.schemas import (
    ActionAmendmentIn,
    ActionClosure,
    ActionIn,
    ActionList,
    ActionOut,
    DecisionAmendmentIn,
    DecisionIn,
    RecordAmendmentIn,
    RecordContent,
    RecordOut,
    WorkerUpdateIn,
)

router = kit_router(tags=["records"])

RECORD = "/meetings/{meeting_id}/cases/{case_id}/record"
VisibleCase = Annotated[ProjectedCase, Depends(projection.visible_case)]
ActionId = Annotated[UUID, Path(description="The action")]
DecisionId = Annotated[UUID, Path(description="The decision")]


async def respond(session: DbSession, access: RecordAccess, response: Response) -> RecordOut:
    """The record with its ETag."""
    view = await service.view(session, access)
    set_etag(response, view.id, view.version)
    return view


@router.get(RECORD, summary="Read a case's GCS record")
@audited("read", "gcs_record")
async def get_record(access: VisibleRecord, session: DbSession, response: Response) -> RecordOut:
    """The record of the case's discussion at the meeting, with the actions it carries forward."""
    return await respond(session, access, response)


@router.patch(RECORD, summary="Minute a case's GCS record")
@audited("update", "gcs_record")
@raises(409)
async def edit_record(
    body: RecordContent,
    access: MinutedRecord,
    session: DbSession,
    response: Response,
    note: Audit,
) -> RecordOut:
    """The chair or a manager writes the lived experience, risk analysis and scaling of the
    draft (send If-Match)."""
    note.details["fields"] = await service.edit(session, access, body)
    return await respond(session, access, response)


@router.post(f"{RECORD}/updates", summary="Give your update on a case for a GCS")
@audited("update", "gcs_record")
@raises(403, 409)
async def write_worker_update(
    body: WorkerUpdateIn, access: ContributedRecord, session: DbSession, response: Response
) -> RecordOut:
    """A worker allocated to the case writes their update; sending it again replaces it."""
    await service.write_update(session, access, body)
    return await respond(session, access, response)


@router.post(f"{RECORD}/decisions", summary="Record a GCS decision")
@audited("decide", "gcs_record")
@raises(409)
async def add_decision(
    body: DecisionIn, access: AppendedRecord, session: DbSession, response: Response, note: Audit
) -> RecordOut:
    """A decision with its rationale and decision maker, on the draft record."""
    note.details["decision_id"] = str((await service.add_decision(session, access, body)).id)
    return await respond(session, access, response)


@router.post(f"{RECORD}/actions", summary="Record a GCS action")
@audited("assign", "gcs_record")
@raises(409)
async def add_action(
    body: ActionIn, access: AppendedRecord, session: DbSession, response: Response, note: Audit
) -> RecordOut:
    """An action with its owner and due date, on the draft record."""
    note.details["action_id"] = str((await service.add_action(session, access, body)).id)
    return await respond(session, access, response)


@router.post(f"{RECORD}/finalise", summary="Finalise a case's GCS record")
@audited("finalise", "gcs_record")
@raises(409)
async def finalise_record(
    access: ChairedRecord, session: DbSession, response: Response
) -> RecordOut:
    """The chair makes the record final (send If-Match): its decisions go on the case's
    chronology and the case's next GCS falls due from this meeting."""
    await service.finalise(session, access)
    return await respond(session, access, response)


@router.post(f"{RECORD}/amendments", summary="Amend a final GCS record")
@audited("amend", "gcs_record")
@raises(409)
async def amend_record(
    body: RecordAmendmentIn,
    access: MinutedRecord,
    session: DbSession,
    response: Response,
    note: Audit,
) -> RecordOut:
    """Correct a final record with a reason (send If-Match); what it replaced is kept."""
    note.details["fields"] = await service.amend(session, access, body)
    return await respond(session, access, response)


@router.get("/cases/{case_id}/actions", summary="List a case's GCS actions")
@audited("list", "gcs_action", resource="")
async def list_actions(
    case: VisibleCase,
    session: DbSession,
    status: Annotated[
        Literal["open", "all"], Query(description="`open` (the default) or `all`")
    ] = "open",
) -> ActionList:
    """The case's actions from every GCS, earliest due first."""
    return await service.list_actions(session, case, only_open=status == "open")


@router.get("/actions", summary="List your GCS actions")
@audited("list", "gcs_action", resource="")
async def list_my_actions(
    principal: CurrentPrincipal,
    session: DbSession,
    note: Audit,
    status: Annotated[
        Literal["open", "all"], Query(description="`open` (the default) or `all`")
    ] = "open",
) -> ActionList:
    """The actions you own from every GCS of the cases you may see, earliest due first."""
    found = await service.my_actions(session, principal, only_open=status == "open")
    note.details["count"] = len(found.items)
    return found


@router.post("/cases/{case_id}/actions/{action_id}/close", summary="Close a GCS action")
@audited("close", "gcs_action")
@raises(403, 404, 409)
async def close_action(
    action_id: ActionId, body: ActionClosure, case: WritableCase, session: DbSession
) -> ActionOut:
    """Its owner or a manager marks the action done, or drops it with a reason."""
    return service.action_view(await service.close_action(session, case, action_id, body))


@router.post(
    "/cases/{case_id}/decisions/{decision_id}/amendments", summary="Amend a final GCS decision"
)
@audited("amend", "gcs_decision")
@raises(403, 404, 409)
async def amend_decision(
    decision_id: DecisionId,
    body: DecisionAmendmentIn,
    case: WritableCase,
    session: DbSession,
    response: Response,
) -> RecordOut:
    """The chair or a manager corrects a decision of a final record with a reason; what it
    replaced is kept, and the amended decision goes on the case's chronology."""
    access = await corrections.amend_decision(session, case, decision_id, body)
    return await respond(session, access, response)


@router.post("/cases/{case_id}/actions/{action_id}/amendments", summary="Amend a final GCS action")
@audited("amend", "gcs_action")
@raises(403, 404, 409)
async def amend_action(
    action_id: ActionId,
    body: ActionAmendmentIn,
    case: WritableCase,
    session: DbSession,
    response: Response,
) -> RecordOut:
    """The chair or a manager corrects what an action of a final record asks, its owner or its
    due date, with a reason; what it replaced is kept."""
    access = await corrections.amend_action(session, case, action_id, body)
    return await respond(session, access, response)
