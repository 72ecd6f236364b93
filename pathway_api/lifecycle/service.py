"""The lifecycle's rules: what each stage needs, consent and its withdrawal, the TAF, escalation.

Handlers pass a case their dependencies loaded and authorised (pathway_api/access.py); these
functions apply the rules of the change and put each step on the family's chronology.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.chronology import SOURCE, contribute
from pathway_api.configuration.schemas import Continuum
from pathway_api.levels import service as levels
from pathway_api.lifecycle import repository
from pathway_api.lifecycle.elsewhere import clear_of_assessments_elsewhere
from pathway_api.lifecycle.models import Consent, Escalation, Involvement, StageChange, TafContact
from pathway_api.lifecycle.schemas import (
    Closure,
    ConsentCreate,
    ConsentRead,
    ConsentWithdraw,
    EscalationCreate,
    InvolvementRead,
    Lead,
    StageChangeRead,
    TafContactCreate,
    TafContactRead,
    TafMember,
    TeamAroundTheFamily,
    Transition,
)
from pathway_api.lifecycle.stages import NEXT, may_move
from pathway_api.models import kernel
from pathway_api.plans import repository as plans
from services.errors import NotFound, ProblemError, invalid
from services.family_members import family_member
from services.outbox import publish
from services.projection import ProjectedCase
from services.unit_calls import AsCaller
from services.working_days import ENGLAND, local_date

ESCALATION_RAISED = "uk.gov.fsm.pathway.escalation.raised"
# Working Together: a referral is decided within one working day.
REFERRAL_DECISION_WORKING_DAYS = 1
STAGE_TITLES = {
    "consent": "Early help: consent being sought",
    "assessment": "Early help: assessment started",
    "plan": "Early help: planning with the family",
    "do": "Early help: the Family Action Plan is under way",
    "review": "Early help: the plan is being reviewed",
}


def consent_missing(scope: str) -> ProblemError:
    """Nothing in force covers `scope`: no consent given, or withdrawn."""
    return ProblemError(
        409,
        "consent-missing",
        f"No family member's consent in force covers {scope.replace('_', ' ')}.",
        scope=scope,
    )


def involvement_closed() -> ProblemError:
    return ProblemError(409, "involvement-closed", "Early help with this family has ended.")


async def ensure(session: AsyncSession, case: ProjectedCase) -> Involvement:
    """The case's involvement, locked; it begins at `identified` when the case opened."""
    found = await repository.involvement(session, case.id, lock=True)
    if found is not None:
        return found
    involvement = Involvement(
        case_id=case.id,
        family_id=case.family_id,
        stage="identified",
        stage_changed_at=case.opened_at,
        step_up_prompted=False,
    )
    session.add(involvement)
    await session.flush()
    return involvement


async def open_involvement(session: AsyncSession, case: ProjectedCase) -> Involvement:
    """The involvement, locked, refusing when early help has ended."""
    involvement = await ensure(session, case)
    if involvement.stage == "closed":
        raise involvement_closed()
    return involvement


async def require_scope(session: AsyncSession, case_id: UUID, scope: str) -> None:
    """Refuse unless a consent in force covers `scope`."""
    if scope not in await repository.scopes_in_force(session, case_id):
        raise consent_missing(scope)


async def lead_of(session: AsyncSession, case_id: UUID) -> Lead | None:
    """The lead practitioner now: the allocation flagged as the case's allocated worker."""
    for row in await repository.members(session, case_id):
        if row.lead:
            return Lead.of(row)
    return None


async def read(session: AsyncSession, case: ProjectedCase) -> InvolvementRead:
    """The involvement as it stands, with its lead, consent in force and history."""
    found = await repository.involvement(session, case.id)
    history = [StageChangeRead.of(change) for change in await repository.history(session, case.id)]
    scopes = sorted(await repository.scopes_in_force(session, case.id))
    common = {
        "case_id": case.id,
        "family_id": case.family_id,
        "lead": await lead_of(session, case.id),
        "consent_in_force": scopes,
        "history": history,
    }
    if found is None:
        return InvolvementRead.model_validate(
            {
                **common,
                "stage": "identified",
                "stage_changed_at": case.opened_at,
                "next_review_due": None,
                "step_up_prompted": False,
                "closed_reason": None,
                "family_informed_on": None,
            }
        )
    return InvolvementRead.of(found, **common)


async def move(
    session: AsyncSession, case: ProjectedCase, involvement: Involvement, to: str, reason: str
) -> None:
    """Record a move (already judged legal) and put it on the chronology."""
    session.add(
        StageChange(
            case_id=case.id,
            from_stage=involvement.stage,
            to_stage=to,
            reason=reason,
            changed_by=case.principal.practitioner_id,
            changed_at=case.now,
        )
    )
    involvement.stage = to
    involvement.stage_changed_at = case.now
    await session.flush()
    await contribute(session, case, STAGE_TITLES.get(to, f"Early help: {to}"), reason)


async def transition(
    session: AsyncSession, case: ProjectedCase, continuum: Continuum, body: Transition
) -> Involvement:
    """Move to the next stage if the machine allows it and the stage's needs are met."""
    involvement = await open_involvement(session, case)
    if not may_move(involvement.stage, body.to):
        raise ProblemError(
            409,
            "illegal-transition",
            f"Early help cannot move from {involvement.stage} to {body.to}.",
            stage=involvement.stage,
            allowed=sorted(NEXT[involvement.stage]),
        )
    if body.coordinated_with and body.to != "assessment":
        raise invalid(
            "body",
            "coordinated_with",
            message="Only a move to assessment is coordinated with other cases.",
            code="not_an_assessment",
        )
    reason = body.reason
    if body.to == "assessment":
        await require_scope(session, case.id, "assessment")
        reason = await clear_of_assessments_elsewhere(session, case, body)
    elif body.to == "plan":
        if await plans.latest_assessment(session, case.id) is None:
            raise ProblemError(
                409, "assessment-missing", "A plan needs a completed whole-family assessment."
            )
        await require_scope(session, case.id, "plan")
        if await lead_of(session, case.id) is None:
            raise ProblemError(
                409,
                "lead-missing",
                "A plan needs a lead practitioner: allocate one as the case's allocated worker.",
            )
        involvement.step_up_prompted = False
    elif body.to == "do":
        if not await plans.targets(session, case.id):
            raise ProblemError(
                409, "plan-empty", "The Family Action Plan has no SMART targets yet."
            )
        if involvement.next_review_due is None:
            involvement.next_review_due = ENGLAND.add(
                local_date(case.now), continuum.review_interval_working_days
            )
    await move(session, case, involvement, body.to, reason)
    return involvement


async def close(session: AsyncSession, case: ProjectedCase, body: Closure) -> Involvement:
    """End early help: why, and that the family was told (not before they could have been)."""
    involvement = await open_involvement(session, case)
    if body.family_informed_on > local_date(case.now):
        raise invalid(
            "body",
            "family_informed_on",
            message="The family cannot have been told on a day still to come.",
            code="in_future",
        )
    involvement.closed_reason = body.reason
    involvement.family_informed_on = body.family_informed_on
    involvement.next_review_due = None
    involvement.step_up_prompted = False
    session.add(
        StageChange(
            case_id=case.id,
            from_stage=involvement.stage,
            to_stage="closed",
            reason=body.reason,
            changed_by=case.principal.practitioner_id,
            changed_at=case.now,
        )
    )
    involvement.stage = "closed"
    involvement.stage_changed_at = case.now
    await session.flush()
    await contribute(
        session,
        case,
        "Early help ended; the family was told",
        f"{body.reason} (family told on {body.family_informed_on.isoformat()})",
    )
    return involvement


# Consent ------------------------------------------------------------------------------------


def consent_read(consent: Consent) -> ConsentRead:
    return ConsentRead.of(consent, in_force=consent.withdrawn_on is None)


async def give_consent(
    session: AsyncSession, case: ProjectedCase, body: ConsentCreate, calls: AsCaller
) -> Consent:
    """Record a family member's consent (a member of the case's family in the workbook)."""
    await open_involvement(session, case)
    if body.given_on > local_date(case.now):
        raise invalid(
            "body", "given_on", message="Consent cannot be given in the future.", code="in_future"
        )
    await family_member(calls, case.family_id, body.person_id, "body", "person_id")
    consent = Consent(
        case_id=case.id,
        person_id=body.person_id,
        member_name=body.member_name,
        form=body.form,
        scopes=sorted(set(body.scopes)),
        given_on=body.given_on,
        recorded_by=case.principal.practitioner_id,
        recorded_at=case.now,
    )
    session.add(consent)
    await session.flush()
    await contribute(
        session,
        case,
        f"Consent given ({body.form}) by {body.member_name}",
        "Covers: " + ", ".join(scope.replace("_", " ") for scope in consent.scopes),
    )
    return consent


async def withdraw_consent(
    session: AsyncSession, case: ProjectedCase, consent_id: UUID, body: ConsentWithdraw
) -> Consent:
    """Withdraw a consent: from now on, what only it covered is refused."""
    await ensure(session, case)
    consent = await repository.consent(session, case.id, consent_id)
    if consent is None:
        raise NotFound("consent")
    if consent.withdrawn_on is not None:
        raise ProblemError(409, "consent-withdrawn", "This consent is already withdrawn.")
    if body.withdrawn_on < consent.given_on or body.withdrawn_on > local_date(case.now):
        raise invalid(
            "body",
            "withdrawn_on",
            message="Withdrawn on a day between the consent and today.",
            code="out_of_range",
        )
    consent.withdrawn_on = body.withdrawn_on
    consent.withdrawn_reason = body.reason
    consent.withdrawn_by = case.principal.practitioner_id
    await session.flush()
    await contribute(session, case, f"Consent withdrawn by {consent.member_name}", body.reason)
    return consent


# Team Around the Family --------------------------------------------------------------------


async def team(session: AsyncSession, case_id: UUID) -> TeamAroundTheFamily:
    """The TAF: practitioners allocated now (the lead first), and contacts without accounts."""
    return TeamAroundTheFamily(
        members=[TafMember.of(row) for row in await repository.members(session, case_id)],
        contacts=[TafContactRead.of(c) for c in await repository.contacts(session, case_id)],
    )


async def add_contact(
    session: AsyncSession, case: ProjectedCase, body: TafContactCreate
) -> TafContact:
    """Add a TAF member with no account; sharing with them needs the family's consent."""
    await open_involvement(session, case)
    await require_scope(session, case.id, "information_sharing")
    contact = TafContact(
        case_id=case.id,
        name=body.name,
        agency=body.agency,
        role=body.role,
        contact=body.contact,
        added_by=case.principal.practitioner_id,
        added_at=case.now,
    )
    session.add(contact)
    await session.flush()
    await contribute(
        session, case, f"Team Around the Family: {body.name} ({body.agency}) joined", body.role
    )
    return contact


async def end_contact(session: AsyncSession, case: ProjectedCase, contact_id: UUID) -> TafContact:
    """A contact leaves the Team Around the Family."""
    contact = await repository.contact(session, case.id, contact_id)
    if contact is None:
        raise NotFound("TAF contact")
    if contact.ended_at is not None:
        raise ProblemError(409, "contact-ended", "This contact has already left the team.")
    contact.ended_at = case.now
    await session.flush()
    await contribute(
        session, case, f"Team Around the Family: {contact.name} ({contact.agency}) left"
    )
    return contact


# Escalation ---------------------------------------------------------------------------------


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


def today(case: ProjectedCase) -> date:
    """The case's transaction day in England."""
    return local_date(case.now)
