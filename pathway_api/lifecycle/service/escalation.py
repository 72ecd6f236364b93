"""Escalation to child protection: recorded, managers told, the level raised, clock on."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.chronology import SOURCE, contribute
from pathway_api.configuration.schemas import Continuum
from pathway_api.levels import service as levels
from pathway_api.lifecycle.models import Escalation
from pathway_api.lifecycle.schemas import EscalationCreate
from pathway_api.lifecycle.service.involvement import ensure
from pathway_api.models import kernel
from services.outbox import publish
from services.projection import ProjectedCase
from services.working_days import ENGLAND

ESCALATION_RAISED = "uk.gov.fsm.pathway.escalation.raised"
# Working Together: a referral is decided within one working day.
REFERRAL_DECISION_WORKING_DAYS = 1


async def escalate(
    session: AsyncSession, case: ProjectedCase, continuum: Continuum, body: EscalationCreate
) -> Escalation:
    """Escalate to child protection: recorded, the manager told, the level raised, clock on.

    It opens no statutory case by itself: a referral is decided by a manager of children's
    social care within the one working day it starts; that decision opens the case, as a step
    up the statutory team accepts (transfers/, TransferAccepted, which the workbook acts on). A
    case opened on the worry alone would make a family statutory before anyone decided it is.
    """
    await ensure(session, case)
    due = ENGLAND.deadline(case.now, REFERRAL_DECISION_WORKING_DAYS)
    escalation = Escalation(
        case_id=case.id,
        worry=body.worry,
        raised_by=case.principal.practitioner_id,
        raised_at=case.now,
        referral_decision_due=due,
    )
    session.add(escalation)
    await session.flush()
    level = continuum.first_statutory_level()
    await levels.record(
        session,
        case,
        continuum,
        level,
        indicators=[level.indicators[0].code],
        reason=body.worry,
        basis="escalation",
    )
    # The team's managers are told at once: ids and dates only, the worry stays on the record.
    await publish(
        session,
        kernel.outbox_event,
        type=ESCALATION_RAISED,
        source=SOURCE,
        subject=f"cases/{case.id}/escalations/{escalation.id}",
        data={
            "escalation_id": escalation.id,
            "case_id": case.id,
            "family_id": case.family_id,
            "owning_team_id": case.owning_team_id,
            "raised_by": case.principal.practitioner_id,
            "raised_at": case.now,
            "referral_decision_due": due,
        },
        team_id=case.owning_team_id,
    )
    await contribute(
        session,
        case,
        "Escalated to child protection: referral decision due " + due.isoformat(),
        body.worry,
    )
    return escalation
