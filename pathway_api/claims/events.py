"""The claim events (services/event_contracts.py), each with its chronology contribution.

Every step of a claim goes out twice in the same transaction: a domain event with ids and codes
for subscribers that count claims, and a contribution to the family's chronology, so the record
shows that the family was found ready, claimed for, drawn for audit and what the audit decided.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.chronology import SOURCE, contribute_to
from pathway_api.models import kernel
from services.clock import transaction_now
from services.outbox import publish


async def announce(
    session: AsyncSession,
    event_type: str,
    payload: BaseModel,
    *,
    case_id: UUID,
    team_id: UUID,
    subject: str,
    title: str,
    summary: str | None = None,
) -> None:
    """Publish the event and put its step on the case's chronology, at the transaction's time."""
    data = payload.model_dump(mode="json")
    await publish(
        session,
        kernel.outbox_event,
        type=event_type,
        source=SOURCE,
        subject=subject,
        data=data,
        team_id=team_id,
    )
    await contribute_to(session, case_id, team_id, await transaction_now(session), title, summary)
