"""Deciding levels of need against the configuration in force."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.chronology import contribute
from pathway_api.configuration.schemas import Continuum, Level
from pathway_api.levels.models import LevelDecision
from pathway_api.levels.schemas import LevelDecide
from services.errors import invalid
from services.projection import ProjectedCase


def check_decision(continuum: Continuum, body: LevelDecide) -> Level:
    """The level decided on, if it and its indicators are the configuration's; else 422."""
    level = continuum.level(body.level)
    if level is None:
        raise invalid(
            "body",
            "level",
            message=f"Not a level of configuration version {continuum.version}.",
            code="unknown_level",
        )
    known = {indicator.code for indicator in level.indicators}
    unknown = sorted(set(body.indicators) - known)
    if unknown:
        raise invalid(
            "body",
            "indicators",
            message=f"Not indicators of level {level.code}: {', '.join(unknown)}.",
            code="unknown_indicator",
        )
    return level


async def record(
    session: AsyncSession,
    case: ProjectedCase,
    continuum: Continuum,
    level: Level,
    *,
    indicators: list[str],
    reason: str,
    person_id: UUID | None = None,
    basis: str = "decision",
) -> LevelDecision:
    """Store a decision and put it on the chronology."""
    decision = LevelDecision(
        case_id=case.id,
        family_id=case.family_id,
        person_id=person_id,
        configuration_version=continuum.version,
        level_code=level.code,
        level_label=level.label,
        level_rank=level.rank,
        indicators=sorted(set(indicators)),
        reason=reason,
        basis=basis,
        decided_by=case.principal.practitioner_id,
        decided_at=case.now,
    )
    session.add(decision)
    await session.flush()
    whom = "A child's" if person_id is not None else "The family's"
    await contribute(session, case, f"{whom} level of need: {level.label}", reason)
    return decision


async def decide(
    session: AsyncSession, case: ProjectedCase, continuum: Continuum, body: LevelDecide
) -> LevelDecision:
    """Decide a level on indicators of the configuration in force."""
    level = check_decision(continuum, body)
    return await record(
        session,
        case,
        continuum,
        level,
        indicators=body.indicators,
        reason=body.reason,
        person_id=body.person_id,
    )
