"""Consent: a family member's, recorded for what it covers, and withdrawn from then on."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.chronology import contribute
from pathway_api.lifecycle import repository
from pathway_api.lifecycle.models import Consent
from pathway_api.lifecycle.schemas import ConsentCreate, ConsentRead, ConsentWithdraw
from pathway_api.lifecycle.service.involvement import ensure, open_involvement
from services.errors import NotFound, ProblemError, invalid
from services.family_members import family_member
from services.projection import ProjectedCase
from services.unit_calls import AsCaller
from services.working_days import local_date


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
