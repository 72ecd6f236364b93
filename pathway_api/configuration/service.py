"""The continuum in force, and publishing a new version of it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.configuration.defaults import DEFAULT_CONFIGURATION
from pathway_api.configuration.models import Configuration
from pathway_api.configuration.schemas import ConfigurationWrite, Continuum
from services.principal import Principal
from services.versioned_config import VersionedConfig

DEFAULT_NOTE = "Built-in defaults"


def _defaults(_: str | None) -> Mapping[str, Any]:
    # Validated like any publication, so the defaults can never be something an
    # administrator could not have published.
    defaults = ConfigurationWrite.model_validate({**DEFAULT_CONFIGURATION, "note": DEFAULT_NOTE})
    return defaults.model_dump(mode="json")


VERSIONS = VersionedConfig(Configuration, missing="configuration version", defaults=_defaults)


async def current_row(session: AsyncSession) -> Configuration:
    """The version in force; the built-in defaults become version 1 the first time it is asked."""
    return await VERSIONS.current(session)


def continuum_of(row: Configuration) -> Continuum:
    """A stored version as the rules read it."""
    return Continuum.model_validate(row, from_attributes=True)


async def current(session: AsyncSession) -> Continuum:
    """The continuum in force."""
    return continuum_of(await current_row(session))


async def version(session: AsyncSession, number: int) -> Configuration:
    """A published version, or 404."""
    return await VERSIONS.version(session, number)


async def publish(
    session: AsyncSession, principal: Principal, body: ConfigurationWrite
) -> Configuration:
    """Publish the next version; it is in force at once, and earlier ones stay as they were."""
    return await VERSIONS.publish(session, body.model_dump(mode="json"), principal.practitioner_id)
