"""A case's involvement: opening it, its stages and what each needs, closing it."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.chronology import contribute
from pathway_api.configuration.schemas import Continuum
from pathway_api.lifecycle import repository
from pathway_api.lifecycle.elsewhere import clear_of_assessments_elsewhere
from pathway_api.lifecycle.models import Involvement, StageChange
from pathway_api.lifecycle.schemas import (
    Closure,
    InvolvementRead,
    Lead,
    StageChangeRead,
    Transition,
)
from pathway_api.lifecycle.stages import NEXT, may_move
from pathway_api.plans import repository as plans
from services.errors import ProblemError, invalid
from services.projection import ProjectedCase
from services.working_days import ENGLAND, local_date

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


def today(case: ProjectedCase) -> date:
    """The case's transaction day in England."""
    return local_date(case.now)
