"""Other units' contributions to a case's chronology, arriving as events."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import ChronologyContribution
from services.events import CloudEvent
from services.inbox import EventNotApplicable
from services.retention.tombstones import tombstone
from workbook_api.cases.models import Case
from workbook_api.chronology.service import record_external_event
from workbook_api.retention.repository import certificate_of


async def apply_chronology_contribution(session: AsyncSession, event: CloudEvent) -> None:
    """Put the item on its case's chronology, once per event id, under the record's rules."""
    try:
        item = ChronologyContribution.model_validate(event.data)
    except ValidationError:
        raise EventNotApplicable("The chronology item is not readable.") from None
    if await session.scalar(select(Case.id).where(Case.id == item.case_id)) is None:
        raise EventNotApplicable("The chronology item names a case the workbook does not hold.")
    destroyed = await certificate_of(session, item.case_id)
    if destroyed is not None:
        # Sent before the unit heard of the destruction: it is recorded, as a tombstone, so
        # the chronology still shows that something happened then.
        words = tombstone(destroyed.id)
        item = item.model_copy(
            update={"title": words[:300], "summary": None if item.summary is None else words}
        )
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
