"""The assessment's event: its sign-off, put on the case's chronology in the workbook.

A chronology contribution carries words because its destination is the case record, read under
the record's own rules; it says which assessment was signed off, its version and by whom, never
the analysis (that is read here, or in the PDF, by those who may).
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from intervention_api.assessments.models import Assessment
from intervention_api.models import kernel
from services.event_contracts import ChronologyContribution, chronology_type
from services.outbox import publish
from services.registry import INTERVENTION

SOURCE = f"/{INTERVENTION.name}"
CHRONOLOGY = chronology_type(INTERVENTION.name)


def signed_off_item(assessment: Assessment) -> ChronologyContribution:
    """The chronology item for a signed-off version."""
    assert assessment.signed_off_at is not None
    summary = f"“{assessment.title}”, version {assessment.number}, signed off by " + (
        f"{assessment.signed_off_by_name}."
    )
    if assessment.supersedes_id is not None:
        summary += " It supersedes the previous version."
    return ChronologyContribution(
        case_id=assessment.case_id,
        occurred_at=assessment.signed_off_at,
        title="Parenting assessment signed off",
        summary=summary[:4000],
    )


async def publish_signed_off(session: AsyncSession, assessment: Assessment, team_id: UUID) -> None:
    """Write the sign-off's chronology item in the sign-off's transaction."""
    await publish(
        session,
        kernel.outbox_event,
        type=CHRONOLOGY,
        source=SOURCE,
        subject=f"assessments/{assessment.id}",
        data=signed_off_item(assessment).model_dump(mode="json"),
        team_id=team_id,
    )
