"""Other units' contributions to a case's chronology, arriving as events."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import ChronologyContribution
from services.events import CloudEvent
from services.inbox import EventNotApplicable
from workbook_api.cases.models import Case
from workbook_api.chronology.service import record_external_event


async def apply_chronology_contribution(session: AsyncSession, event: CloudEvent) -> None:
    """Put the item on its case's chronology, once per event id, under the record's rules."""
    try:
        item = ChronologyContribution.model_validate(event.data)
    except ValidationError:
        raise EventNotApplicable("The chronology item is not readable.") from None
    if await session.scalar(select(Case.id).where(Case.id == item.case_id)) is None:
        raise EventNotApplicable("The chronology item names a case the workbook does not hold.")
    await record_external_event(
        session,
        item.case_id,
        source=event.source.strip("/")[:64],
        type=event.type[:128],
        occurred_at=item.occurred_at,
        title=item.title,
        summary=item.summary,
        external_id=str(event.id),
    )
