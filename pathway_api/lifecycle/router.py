"""HTTP endpoints for the early help lifecycle, consent, the Team Around the Family, escalation."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Path, Response

from pathway_api.access import EarlyHelpCase, WorkableEarlyHelpCase
from pathway_api.configuration import service as configuration
from pathway_api.lifecycle import repository
from pathway_api.lifecycle.schemas import (
    Closure,
    ConsentCreate,
    ConsentRead,
    ConsentWithdraw,
    EscalationCreate,
    EscalationRead,
    InvolvementRead,
    TafContactCreate,
    TafContactRead,
    TeamAroundTheFamily,
    Transition,
)
from pathway_api.lifecycle.service import consent, escalation, involvement, taf
from services.auditing import Audit, audited
from services.errors import raises
from services.responses import created
from services.routing import kit_router
from services.unit_calls import CallerCalls
from services.unit_of_work import DbSession

router = kit_router(tags=["early help"])
ConsentId = Annotated[UUID, Path(description="A consent")]
ContactId = Annotated[UUID, Path(description="A TAF contact")]


@router.get("/cases/{case_id}/involvement", summary="Read where early help stands")
@audited("read", "involvement", resource="case_id")
async def read_involvement(case: EarlyHelpCase, session: DbSession) -> InvolvementRead:
    """The stage, lead practitioner, consent in force, next review and the stage history."""
    return await involvement.read(session, case)


@router.post("/cases/{case_id}/involvement/transitions", summary="Move to the next stage")
@audited("transition", "involvement", resource="case_id")
@raises(409, 422)
async def move_stage(
    body: Transition, case: WorkableEarlyHelpCase, session: DbSession, note: Audit
) -> InvolvementRead:
    """Move through identify, consent, assess, plan, do, review; illegal moves are refused."""
    continuum = await configuration.current(session)
    await involvement.transition(session, case, continuum, body)
    note.case_id, note.details["to"] = case.id, body.to
    return await involvement.read(session, case)


@router.post("/cases/{case_id}/involvement/close", summary="End early help")
@audited("close", "involvement", resource="case_id")
@raises(409)
async def close_involvement(
    body: Closure, case: WorkableEarlyHelpCase, session: DbSession, note: Audit
) -> InvolvementRead:
    """End early help, recording why and when the family was told."""
    await involvement.close(session, case, body)
    note.case_id = case.id
    return await involvement.read(session, case)


@router.get("/cases/{case_id}/consents", summary="List the family's consents")
@audited("list", "consent", resource="case_id")
async def list_consents(case: EarlyHelpCase, session: DbSession) -> list[ConsentRead]:
    """Every consent given on this early help case, withdrawn ones included."""
    return [consent.consent_read(c) for c in await repository.consents(session, case.id)]


@router.post("/cases/{case_id}/consents", status_code=201, summary="Record a consent")
@audited("create", "consent", resource="case_id")
@raises(409, 422)
async def give_consent(
    body: ConsentCreate,
    case: WorkableEarlyHelpCase,
    response: Response,
    session: DbSession,
    note: Audit,
    calls: CallerCalls,
) -> ConsentRead:
    """Record a family member's consent: verbal or written, what it covers, when given. The
    person must be a member of the case's family as the workbook tells the caller."""
    given = await consent.give_consent(session, case, body, calls)
    note.resource_id, note.case_id = str(given.id), case.id
    created(response, f"/cases/{case.id}/consents/{given.id}", given.id, None)
    return consent.consent_read(given)


@router.post(
    "/cases/{case_id}/consents/{consent_id}/withdraw", summary="Record a consent's withdrawal"
)
@audited("withdraw", "consent")
@raises(404, 409)
async def withdraw_consent(
    consent_id: ConsentId,
    body: ConsentWithdraw,
    case: WorkableEarlyHelpCase,
    session: DbSession,
    note: Audit,
) -> ConsentRead:
    """Withdraw a consent: what only it covered is refused from now on."""
    withdrawn = await consent.withdraw_consent(session, case, consent_id, body)
    note.case_id = case.id
    return consent.consent_read(withdrawn)


@router.get("/cases/{case_id}/team", summary="Read the Team Around the Family")
@audited("read", "team_around_the_family", resource="case_id")
async def read_team(case: EarlyHelpCase, session: DbSession) -> TeamAroundTheFamily:
    """The lead practitioner and TAF members with accounts, and contacts without."""
    return await taf.team(session, case.id)


@router.post("/cases/{case_id}/team/contacts", status_code=201, summary="Add a TAF contact")
@audited("create", "taf_contact", resource="case_id")
@raises(409)
async def add_contact(
    body: TafContactCreate,
    case: WorkableEarlyHelpCase,
    response: Response,
    session: DbSession,
    note: Audit,
) -> TafContactRead:
    """Add a Team Around the Family member who has no account (the family consented)."""
    contact = await taf.add_contact(session, case, body)
    note.resource_id, note.case_id = str(contact.id), case.id
    created(response, f"/cases/{case.id}/team/contacts/{contact.id}", contact.id, None)
    return TafContactRead.of(contact)


@router.post("/cases/{case_id}/team/contacts/{contact_id}/end", summary="End a TAF contact")
@audited("end", "taf_contact")
@raises(404, 409)
async def end_contact(
    contact_id: ContactId, case: WorkableEarlyHelpCase, session: DbSession, note: Audit
) -> TafContactRead:
    """A contact leaves the Team Around the Family."""
    contact = await taf.end_contact(session, case, contact_id)
    note.case_id = case.id
    return TafContactRead.of(contact)


@router.post(
    "/cases/{case_id}/escalations", status_code=201, summary="Escalate to child protection"
)
@audited("create", "escalation", resource="case_id")
async def escalate(
    body: EscalationCreate,
    case: WorkableEarlyHelpCase,
    response: Response,
    session: DbSession,
    note: Audit,
) -> EscalationRead:
    """Record the worry; the manager is told, the level rises, the referral clock starts."""
    continuum = await configuration.current(session)
    raised = await escalation.escalate(session, case, continuum, body)
    note.resource_id, note.case_id = str(raised.id), case.id
    created(response, f"/cases/{case.id}/escalations/{raised.id}", raised.id, None)
    return EscalationRead.of(raised)
