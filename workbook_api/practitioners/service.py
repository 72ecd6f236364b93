"""Applying the directory's practitioner events: the projection, and what a leaver's ends."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import PractitionerSnapshot
from services.events import CloudEvent
from services.inbox import EventNotApplicable
from workbook_api.cases import service as cases
from workbook_api.practitioners import repository


async def apply_practitioner_changed(session: AsyncSession, event: CloudEvent) -> None:
    """Keep the newest snapshot; when it says the practitioner left, end their allocations.

    A deactivated practitioner can no longer sign in, and their name must not stand on a case
    as someone working on it: their allocations end at once (with the reason recorded, and
    announced like any other ending), so the case's manager sees the gap and allocates again.
    Reactivation gives nothing back: allocating is the manager's decision.
    """
    try:
        snapshot = PractitionerSnapshot.model_validate(event.data)
    except ValidationError:
        raise EventNotApplicable("The practitioner snapshot is not readable.") from None
    if await repository.apply_snapshot(session, snapshot) and not snapshot.active:
        await cases.end_allocations_of_leaver(session, snapshot.practitioner_id)
