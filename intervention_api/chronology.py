"""What this unit tells the record: a domain event and a chronology item for each happening.

Two events per happening, both through the outbox in the change's transaction. The domain
event (`uk.gov.fsm.intervention.<what>`) carries ids, codes, dates and flags only, for
subscribers that are not per-worker access-checked (webhooks). The chronology contribution
(`chronology_type("intervention")`) carries the words that belong on the case's chronology: a
title, and for a session its shareable summary; never restricted detail. The workbook puts it
on the chronology once per event id, under the record's own access rules.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.models import kernel
from services.event_contracts import PREFIX, ChronologyContribution, chronology_type
from services.outbox import publish
from services.projection import ProjectedCase
from services.registry import INTERVENTION

SOURCE = "/interventions"
ENROLLED = f"{PREFIX}.intervention.enrolment.created"
SESSION_LOGGED = f"{PREFIX}.intervention.session.logged"
MODULE_COMPLETED = f"{PREFIX}.intervention.module.completed"
SESSION_WITHDRAWN = f"{PREFIX}.intervention.session.withdrawn"
CHRONOLOGY = chronology_type(INTERVENTION.name)


async def announce(
    session: AsyncSession,
    case: ProjectedCase,
    *,
    type_: str,
    subject: str,
    data: dict[str, Any],
    occurred_at: datetime,
    title: str,
    summary: str | None,
) -> None:
    """Publish the domain event and the case's chronology item for one happening."""
    await publish(
        session,
        kernel.outbox_event,
        type=type_,
        source=SOURCE,
        subject=subject,
        data={"case_id": case.id, **data},
        team_id=case.owning_team_id,
    )
    item = ChronologyContribution(
        case_id=case.id, occurred_at=occurred_at, title=title[:300], summary=summary
    )
    await publish(
        session,
        kernel.outbox_event,
        type=CHRONOLOGY,
        source=SOURCE,
        subject=subject,
        data=item.model_dump(mode="json"),
        team_id=case.owning_team_id,
    )
