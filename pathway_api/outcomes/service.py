"""Frameworks and reporting settings as versioned configuration, as the continuum's is.

Each framework's built-in default becomes its version 1 the first time it is asked for;
administrators publish later versions, in force at once, and earlier ones stay as they were,
so a figure names the version of the definition it was counted under.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.outcomes import repository
from pathway_api.outcomes.defaults import DEFAULT_FRAMEWORKS, DEFAULT_SETTINGS
from pathway_api.outcomes.models import OutcomeFramework, OutcomeSettings
from pathway_api.outcomes.schemas import FrameworkWrite, SettingsWrite
from services.errors import NotFound
from services.principal import Principal

DEFAULT_NOTE = "Built-in defaults"


def _values(body: FrameworkWrite | SettingsWrite) -> dict[str, Any]:
    return body.model_dump(mode="json")


async def framework(session: AsyncSession, code: str) -> OutcomeFramework:
    """A framework's version in force (its default stored as version 1 when first asked)."""
    if code not in DEFAULT_FRAMEWORKS:
        raise NotFound("framework")
    found = await repository.latest_framework(session, code)
    if found is not None:
        return found
    # Validated like any publication, so a default is always something publishable.
    defaults = FrameworkWrite.model_validate({**DEFAULT_FRAMEWORKS[code], "note": DEFAULT_NOTE})
    await repository.insert_first_framework(session, code, _values(defaults))
    stored = await repository.latest_framework(session, code)
    assert stored is not None
    return stored


async def framework_version(session: AsyncSession, code: str, version: int) -> OutcomeFramework:
    """A published version of a framework, or 404."""
    await framework(session, code)
    found = await repository.framework_version(session, code, version)
    if found is None:
        raise NotFound("framework version")
    return found


async def publish_framework(
    session: AsyncSession, principal: Principal, code: str, body: FrameworkWrite
) -> OutcomeFramework:
    """Publish a framework's next version; in force at once."""
    await framework(session, code)
    highest = await repository.lock_framework_versions(session, code)
    row = OutcomeFramework(
        code=code, version=highest + 1, published_by=principal.practitioner_id, **_values(body)
    )
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row


async def settings(session: AsyncSession) -> OutcomeSettings:
    """The reporting settings in force (the defaults stored as version 1 when first asked)."""
    found = await repository.latest_settings(session)
    if found is not None:
        return found
    defaults = SettingsWrite.model_validate({**DEFAULT_SETTINGS, "note": DEFAULT_NOTE})
    await repository.insert_first_settings(session, _values(defaults))
    stored = await repository.latest_settings(session)
    assert stored is not None
    return stored


async def publish_settings(
    session: AsyncSession, principal: Principal | None, body: SettingsWrite
) -> OutcomeSettings:
    """Publish the settings' next version; in force at once (None: the demo published it)."""
    await settings(session)
    highest = await repository.lock_settings_versions(session)
    by = principal.practitioner_id if principal is not None else None
    row = OutcomeSettings(version=highest + 1, published_by=by, **_values(body))
    session.add(row)
    await session.flush()
    await session.refresh(row)
    return row
