"""The continuum in force, and publishing a new version of it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.configuration import repository
from pathway_api.configuration.defaults import DEFAULT_CONFIGURATION
from pathway_api.configuration.models import Configuration
from pathway_api.configuration.schemas import ConfigurationWrite, Continuum
from services.errors import NotFound
from services.principal import Principal

DEFAULT_NOTE = "Built-in defaults"


async def current_row(session: AsyncSession) -> Configuration:
    """The version in force; the built-in defaults become version 1 the first time it is asked."""
    found = await repository.latest(session)
    if found is not None:
        return found
    # Validated like any publication, so the defaults can never be something an
    # administrator could not have published.
    defaults = ConfigurationWrite.model_validate({**DEFAULT_CONFIGURATION, "note": DEFAULT_NOTE})
    await repository.insert_first(session, defaults.model_dump(mode="json"))
    stored = await repository.latest(session)
    assert stored is not None
    return stored


def continuum_of(row: Configuration) -> Continuum:
    """A stored version as the rules read it."""
    return Continuum.model_validate(row, from_attributes=True)


async def current(session: AsyncSession) -> Continuum:
    """The continuum in force."""
    return continuum_of(await current_row(session))


async def version(session: AsyncSession, number: int) -> Configuration:
    """A published version, or 404."""
    if number == 1:
        await current_row(session)
    found = await repository.by_version(session, number)
    if found is None:
        raise NotFound("configuration version")
    return found


async def publish(
    session: AsyncSession, principal: Principal, body: ConfigurationWrite
) -> Configuration:
    """Publish the next version; it is in force at once, and earlier ones stay as they were."""
    await current_row(session)
    highest = await repository.lock_versions(session)
    row = Configuration(version=highest + 1, published_by=principal.practitioner_id)
    for name, value in body.model_dump(mode="json").items():
        setattr(row, name, value)
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row
