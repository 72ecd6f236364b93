"""A Group Case Supervision held opens the case's next workbook episode.

In Family Safeguarding the workbook runs in cycles from one GCS to the next: each worker's
role summary belongs to a cycle. Supervision tells the workbook when a case's GCS record is
finalised (services/event_contracts.py `GcsRecordFinalised`); the workbook then closes the
open episode and opens the next. It converges whatever the order of deliveries: a meeting held
before the open episode began (an older record arriving late, or the same one again under
another event id) has already had its cycle, and changes nothing; a closed case has no episode
to open.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import GcsRecordFinalised
from services.events import CloudEvent
from services.inbox import EventNotApplicable
from services.working_days import local_date
from workbook_api.cases import repository
from workbook_api.cases.models import Case
from workbook_api.cases.service import open_next_episode

REASON = "group_supervision"


async def apply_gcs_record_finalised(session: AsyncSession, event: CloudEvent) -> None:
    """Open the case's next episode for the GCS held, unless its cycle has already begun."""
    try:
        held = GcsRecordFinalised.model_validate(event.data)
    except ValidationError:
        raise EventNotApplicable("The group supervision record is not readable.") from None
    case = (
        await session.scalars(select(Case).where(Case.id == held.case_id).with_for_update())
    ).one_or_none()
    if case is None:
        raise EventNotApplicable("The record names a case the workbook does not hold.")
    if case.status != "open":
        return
    current = await repository.open_episode(session, case.id)
    if current is not None and held.held_at < current.opened_at:
        return
    await open_next_episode(
        session,
        case,
        REASON,
        reason_text=f"Group case supervision held on {local_date(held.held_at).isoformat()}.",
    )
