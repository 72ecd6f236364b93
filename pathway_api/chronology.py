"""The pathway's steps on the family's one chronology: contributions sent to the workbook.

The workbook is the record: what the pathway decides (a level, a stage, a consent, a plan, a
review, an escalation) goes onto the case's chronology there, through the outbox, once per
event (workbook_api/chronology/inbox.py), so a family's story is one chronology across early
help and Family Safeguarding.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.models import kernel
from services.event_contracts import ChronologyContribution, chronology_type
from services.outbox import publish
from services.projection import ProjectedCase
from services.registry import PATHWAY

SOURCE = "/pathway"
CHRONOLOGY = chronology_type(PATHWAY.name)


async def contribute_to(
    session: AsyncSession,
    case_id: UUID,
    team_id: UUID,
    at: datetime,
    title: str,
    summary: str | None = None,
) -> None:
    """Put one item on a case's chronology (in this transaction, through the outbox)."""
    item = ChronologyContribution(
        case_id=case_id,
        occurred_at=at,
        title=title[:300],
        summary=summary[:4000] if summary else None,
    )
    await publish(
        session,
        kernel.outbox_event,
        type=CHRONOLOGY,
        source=SOURCE,
        subject=f"cases/{case_id}",
        data=item.model_dump(mode="json"),
        team_id=team_id,
    )


async def contribute(
    session: AsyncSession, case: ProjectedCase, title: str, summary: str | None = None
) -> None:
    """Put one item on the chronology of a case the caller works on, at the request's time."""
    await contribute_to(session, case.id, case.owning_team_id, case.now, title, summary)
