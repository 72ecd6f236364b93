"""What a finalised record sends: its decisions to the case's chronology, and the fact itself.

Decisions belong on the child's record, so each goes to the workbook as a chronology
contribution (services/event_contracts.py) through the outbox, in the finalising transaction;
the workbook puts it on the chronology once per event id, under the record's access rules. The
`record.finalised` event (ids and times only) has the workbook open the case's next episode.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from services.event_contracts import (
    GCS_RECORD_FINALISED,
    ChronologyContribution,
    GcsRecordFinalised,
    chronology_type,
)
from services.outbox import publish
from services.registry import SUPERVISION
from supervision_api.meetings.models import Meeting
from supervision_api.models import kernel
from supervision_api.records.models import CaseRecord, Decision

SOURCE = "/supervision"
TITLE_MAX = 300


def _title(decision: Decision, *, amended: bool = False) -> str:
    kind = "decision (amended)" if amended else "decision"
    title = f"Group case supervision {kind}: {decision.decision}"
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


async def publish_decision_amended(
    session: AsyncSession, record: CaseRecord, meeting: Meeting, decision: Decision, reason: str
) -> None:
    """An amended decision goes on the chronology as the original did, saying it was amended
    and why; the original's entry stays (the chronology keeps what was said when)."""
    item = ChronologyContribution(
        case_id=record.case_id,
        occurred_at=meeting.starts_at,
        title=_title(decision, amended=True),
        summary=f"Rationale: {decision.rationale}\nAmended because: {reason}"[:4000],
    )
    await publish(
        session,
        kernel.outbox_event,
        type=chronology_type(SUPERVISION.name),
        source=SOURCE,
        subject=f"cases/{record.case_id}/decisions/{decision.id}/revisions/{record.revision}",
        data=item.model_dump(mode="json"),
        team_id=meeting.team_id,
    )


async def publish_finalised(
    session: AsyncSession, record: CaseRecord, meeting: Meeting, decisions: Sequence[Decision]
) -> None:
    """The record's decisions for the chronology, then the record's own event."""
    for decision in decisions:
        item = ChronologyContribution(
            case_id=record.case_id,
            occurred_at=meeting.starts_at,
            title=_title(decision),
            summary=f"Rationale: {decision.rationale}"[:4000],
        )
        await publish(
            session,
            kernel.outbox_event,
            type=chronology_type(SUPERVISION.name),
            source=SOURCE,
            subject=f"cases/{record.case_id}/decisions/{decision.id}",
            data=item.model_dump(mode="json"),
            team_id=meeting.team_id,
        )
    assert record.finalised_at is not None
    finalised = GcsRecordFinalised(
        record_id=record.id,
        meeting_id=meeting.id,
        case_id=record.case_id,
        held_at=meeting.starts_at,
        finalised_at=record.finalised_at,
    )
    await publish(
        session,
        kernel.outbox_event,
        type=GCS_RECORD_FINALISED,
        source=SOURCE,
        subject=f"cases/{record.case_id}/records/{record.id}",
        data=finalised.model_dump(mode="json"),
        team_id=meeting.team_id,
    )
