"""Step up and step down, with no gap: the sending team holds the family until acceptance.

A worker on the family's case asks (why, and the picture now, so the family need not tell its
story again); the teams meet; a manager of the receiving team accepts. Acceptance tells the
workbook to open the family's case of the receiving kind (services/event_contracts.py
TransferAccepted), owned by the receiving team, beside the sending case, which its own team
closes when the handover is done: the family is never nobody's.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.chronology import SOURCE, contribute, contribute_to
from pathway_api.lifecycle.service.involvement import today
from pathway_api.models import destructions, kernel, projection
from pathway_api.transfers import repository
from pathway_api.transfers.models import Transfer
from pathway_api.transfers.schemas import TransferMeeting, TransferRequest
from services.clock import transaction_now
from services.errors import Forbidden, NotFound, ProblemError, invalid
from services.event_contracts import (
    EARLY_HELP,
    FAMILY_SAFEGUARDING,
    PATHWAY_TRANSFER_ACCEPTED,
    TransferAccepted,
)
from services.outbox import publish
from services.principal import Principal
from services.projection import ProjectedCase
from services.retention.certificates import refuse_destroyed

# What each direction leaves from, and the kind of case it opens.
FROM_KIND = {"step_up": EARLY_HELP, "step_down": FAMILY_SAFEGUARDING}
TO_KIND = {"step_up": FAMILY_SAFEGUARDING, "step_down": EARLY_HELP}
TITLES = {"step_up": "Step up to Family Safeguarding", "step_down": "Step down to early help"}


async def request(session: AsyncSession, case: ProjectedCase, body: TransferRequest) -> Transfer:
    """Ask the receiving team to take the family."""
    if case.kind != FROM_KIND[body.direction]:
        raise ProblemError(
            409,
            "wrong-direction",
            f"A {body.direction.replace('_', ' ')} leaves from a "
            f"{FROM_KIND[body.direction].replace('_', ' ')} case.",
        )
    if await repository.requested(session, case.id) is not None:
        raise ProblemError(409, "transfer-under-way", "A transfer of this family is under way.")
    transfer = Transfer(
        case_id=case.id,
        family_id=case.family_id,
        direction=body.direction,
        sending_team_id=case.owning_team_id,
        receiving_team_id=body.receiving_team_id,
        reason=body.reason,
        current_picture=body.current_picture,
        status="requested",
        requested_by=case.principal.practitioner_id,
        requested_at=case.now,
    )
    session.add(transfer)
    await session.flush()
    await contribute(session, case, f"{TITLES[body.direction]} requested", body.reason)
    return transfer


async def load(
    session: AsyncSession, principal: Principal, transfer_id: UUID
) -> tuple[Transfer, ProjectedCase | None]:
    """The transfer, locked, and its sending case if the caller sees it; else 404."""
    transfer = await repository.visible(session, principal, transfer_id, lock=True)
    if transfer is None:
        raise NotFound("transfer")
    try:
        case = await projection.rule.load(session, principal, transfer.case_id)
    except NotFound:
        case = None
    return transfer, case


def receiving_manager(principal: Principal, transfer: Transfer) -> bool:
    return transfer.receiving_team_id in principal.managed_team_ids


def under_way(transfer: Transfer) -> None:
    if transfer.status != "requested":
        raise ProblemError(409, "transfer-accepted", "This transfer is already accepted.")


async def meet(
    session: AsyncSession, principal: Principal, transfer_id: UUID, body: TransferMeeting
) -> Transfer:
    """Record the transfer meeting (the sending workers, or the receiving team's managers)."""
    transfer, case = await load(session, principal, transfer_id)
    if not (receiving_manager(principal, transfer) or (case is not None and case.may_work)):
        raise Forbidden("Only the teams handing over and taking the family record this.")
    under_way(transfer)
    await refuse_destroyed(session, destructions, transfer.case_id)
    if case is not None and body.held_on > today(case):
        raise invalid("body", "held_on", message="Record a meeting once held.", code="future")
    transfer.meeting_held_on = body.held_on
    transfer.meeting_notes = body.notes
    await session.flush()
    if case is not None:
        await contribute(
            session, case, f"{TITLES[transfer.direction]}: transfer meeting", body.notes
        )
    return transfer


async def accept(session: AsyncSession, principal: Principal, transfer_id: UUID) -> Transfer:
    """The receiving team's manager accepts: the workbook opens the family's new case."""
    transfer, _ = await load(session, principal, transfer_id)
    if not receiving_manager(principal, transfer):
        raise Forbidden("Only a manager of the receiving team accepts a transfer.")
    under_way(transfer)
    if transfer.meeting_held_on is None:
        raise ProblemError(
            409, "meeting-missing", "Hold the transfer meeting before accepting the family."
        )
    now = await transaction_now(session)
    transfer.status = "accepted"
    transfer.accepted_by = principal.practitioner_id
    transfer.accepted_at = now
    await session.flush()
    accepted = TransferAccepted(
        transfer_id=transfer.id,
        family_id=transfer.family_id,
        sending_case_id=transfer.case_id,
        kind=TO_KIND[transfer.direction],
        receiving_team_id=transfer.receiving_team_id,
        accepted_by=principal.practitioner_id,
        accepted_at=now,
    )
    await publish(
        session,
        kernel.outbox_event,
        type=PATHWAY_TRANSFER_ACCEPTED,
        source=SOURCE,
        subject=f"transfers/{transfer.id}",
        data=accepted.model_dump(mode="json"),
        team_id=transfer.receiving_team_id,
    )
    # On the sending case's chronology, where the family's story so far is (the receiving
    # manager may not see that case yet: the item names the transfer, nothing of the family).
    await contribute_to(
        session,
        transfer.case_id,
        transfer.sending_team_id,
        now,
        f"{TITLES[transfer.direction]} accepted by the receiving team",
    )
    return transfer
