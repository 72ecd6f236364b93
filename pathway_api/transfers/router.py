"""HTTP endpoints for step up and step down."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Path, Response

from pathway_api.access import VisibleCase, WorkableCase
from pathway_api.transfers import repository, service
from pathway_api.transfers.schemas import TransferMeeting, TransferRead, TransferRequest
from services.auditing import Audit, audited
from services.auth import CurrentPrincipal
from services.errors import raises
from services.responses import created
from services.routing import kit_router
from services.unit_of_work import DbSession

router = kit_router(tags=["step up and step down"])
TransferId = Annotated[UUID, Path(description="A transfer")]


@router.get("/cases/{case_id}/transfers", summary="List a case's transfers")
@audited("list", "transfer", resource="case_id")
async def list_transfers(case: VisibleCase, session: DbSession) -> list[TransferRead]:
    """Every step up or step down asked for from this case."""
    return [TransferRead.of(t) for t in await repository.of_case(session, case.id)]


@router.post("/cases/{case_id}/transfers", status_code=201, summary="Ask to step up or down")
@audited("create", "transfer", resource="case_id")
@raises(409)
async def request_transfer(
    body: TransferRequest, case: WorkableCase, response: Response, session: DbSession, note: Audit
) -> TransferRead:
    """Ask another team to take the family, with the reason and the picture now."""
    transfer = await service.request(session, case, body)
    note.resource_id, note.case_id = str(transfer.id), case.id
    created(response, f"/transfers/{transfer.id}", transfer.id, None)
    return TransferRead.of(transfer)


@router.get("/transfers/{transfer_id}", summary="Read a transfer")
@audited("read", "transfer")
@raises(404)
async def read_transfer(
    transfer_id: TransferId, session: DbSession, principal: CurrentPrincipal
) -> TransferRead:
    """A transfer, for the sending case's workers and the receiving team's managers."""
    transfer, _ = await service.load(session, principal, transfer_id)
    return TransferRead.of(transfer)


@router.post("/transfers/{transfer_id}/meeting", summary="Record the transfer meeting")
@audited("meet", "transfer")
@raises(403, 404, 409)
async def record_meeting(
    transfer_id: TransferId, body: TransferMeeting, session: DbSession, principal: CurrentPrincipal
) -> TransferRead:
    """Record the meeting where the teams (and the family) agreed the handover."""
    return TransferRead.of(await service.meet(session, principal, transfer_id, body))


@router.post("/transfers/{transfer_id}/accept", summary="Accept a transfer")
@audited("accept", "transfer")
@raises(403, 404, 409)
async def accept_transfer(
    transfer_id: TransferId, session: DbSession, principal: CurrentPrincipal, note: Audit
) -> TransferRead:
    """Take the family (the receiving team's managers): its new case opens in the workbook."""
    transfer = await service.accept(session, principal, transfer_id)
    note.case_id = transfer.case_id
    return TransferRead.of(transfer)
