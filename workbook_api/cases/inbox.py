"""A step up or step down the pathway's receiving team accepted: the family's new case opens.

The sending case stays open until its own team closes it, so the family is never nobody's;
the new case's chronology starts with where the family came from. Applying it twice, or
after the family already has an open case of that kind, changes nothing.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import TransferAccepted
from services.events import CloudEvent
from services.inbox import EventNotApplicable
from workbook_api.cases import repository
from workbook_api.cases.events import publish_case_changed
from workbook_api.cases.models import Case, Episode
from workbook_api.chronology.service import record_external_event
from workbook_api.families.models import Family

ORIGINS = {"family_safeguarding": "a step up from early help", "early_help": "a step down"}


async def apply_transfer_accepted(session: AsyncSession, event: CloudEvent) -> None:
    """Open the family's case of the receiving kind, owned by the receiving team."""
    try:
        accepted = TransferAccepted.model_validate(event.data)
    except ValidationError:
        raise EventNotApplicable("The accepted transfer is not readable.") from None
    # Locking the family serialises this with opens by hand, as opening a case does.
    family = await session.scalar(
        select(Family.id).where(Family.id == accepted.family_id).with_for_update()
    )
    if family is None:
        raise EventNotApplicable("The transfer names a family the workbook does not hold.")
    if await repository.open_case_of_family(session, accepted.family_id, accepted.kind):
        return
    reason = f"Opened on {ORIGINS[accepted.kind]} (pathway transfer {accepted.transfer_id})."
    case = Case(
        family_id=accepted.family_id,
        owning_team_id=accepted.receiving_team_id,
        status="open",
        kind=accepted.kind,
        opened_at=accepted.accepted_at,
        opened_reason=reason,
        opened_by_practitioner_id=accepted.accepted_by,
    )
    session.add(case)
    await session.flush()
    session.add(
        Episode(
            case_id=case.id,
            number=1,
            opened_at=accepted.accepted_at,
            opened_by_event="case_opened",
            opened_reason=reason,
        )
    )
    await session.flush()
    await record_external_event(
        session,
        case.id,
        source=event.source.strip("/")[:64],
        type=event.type[:128],
        occurred_at=accepted.accepted_at,
        title=f"Case opened on {ORIGINS[accepted.kind]}",
        summary=f"The family's story so far is on case {accepted.sending_case_id}.",
        external_id=str(event.id),
    )
    await publish_case_changed(session, case, "opened")
