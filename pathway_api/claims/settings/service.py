"""The claim settings in force, and publishing a new version of them.

The defaults are the national programme's: progress sustained for six months after closure,
at least a tenth of claimed families audited, quarterly claim periods, and payment by results
(the stricter model: the audit sample is decided before a batch is submitted).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.claims.settings import repository
from pathway_api.claims.settings.models import ClaimSettings
from pathway_api.claims.settings.schemas import ClaimRules, ClaimSettingsWrite
from services.errors import NotFound
from services.principal import Principal

DEFAULTS = ClaimSettingsWrite(
    sustain_months=6,
    sample_percent=10,
    claim_period_months=3,
    funding_model="payment_by_results",
    note="Built-in defaults: the national programme's",
)


async def current_row(session: AsyncSession) -> ClaimSettings:
    """The version in force; the defaults become version 1 the first time it is asked."""
    found = await repository.latest(session)
    if found is not None:
        return found
    await repository.insert_first(session, DEFAULTS.model_dump())
    stored = await repository.latest(session)
    assert stored is not None
    return stored


def rules_of(row: ClaimSettings) -> ClaimRules:
    return ClaimRules.model_validate(row, from_attributes=True)


async def current(session: AsyncSession) -> ClaimRules:
    """The settings in force."""
    return rules_of(await current_row(session))


async def version(session: AsyncSession, number: int) -> ClaimSettings:
    """A published version, or 404."""
    if number == 1:
        await current_row(session)
    found = await repository.by_version(session, number)
    if found is None:
        raise NotFound("claim settings version")
    return found


async def publish(
    session: AsyncSession, principal: Principal, body: ClaimSettingsWrite
) -> ClaimSettings:
    """Publish the next version; in force at once, earlier ones kept as they were."""
    await current_row(session)
    highest = await repository.lock_versions(session)
    row = ClaimSettings(version=highest + 1, published_by=principal.practitioner_id)
    for name, value in body.model_dump().items():
        setattr(row, name, value)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row
