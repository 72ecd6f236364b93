"""Frameworks and reporting settings as versioned configuration, as the continuum's is.

Each framework is a series of its own (`code`): its built-in default becomes its version 1 the
first time it is asked for; administrators publish later versions, in force at once, and
earlier ones stay as they were, so a figure names the version of the definition it was counted
under. Only the frameworks with a built-in default exist; any other code is a 404.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.outcomes.defaults import DEFAULT_FRAMEWORKS, DEFAULT_SETTINGS
from pathway_api.outcomes.models import OutcomeFramework, OutcomeSettings
from pathway_api.outcomes.schemas import FrameworkWrite, SettingsWrite
from services.errors import NotFound
from services.principal import Principal
from services.versioned_config import VersionedConfig

DEFAULT_NOTE = "Built-in defaults"


def _framework_defaults(code: str | None) -> Mapping[str, Any]:
    assert code is not None
    # Validated like any publication, so a default is always something publishable.
    defaults = FrameworkWrite.model_validate({**DEFAULT_FRAMEWORKS[code], "note": DEFAULT_NOTE})
    return defaults.model_dump(mode="json")


def _settings_defaults(_: str | None) -> Mapping[str, Any]:
    defaults = SettingsWrite.model_validate({**DEFAULT_SETTINGS, "note": DEFAULT_NOTE})
    return defaults.model_dump(mode="json")


FRAMEWORKS = VersionedConfig(
    OutcomeFramework, missing="framework version", defaults=_framework_defaults, scope="code"
)
SETTINGS = VersionedConfig(OutcomeSettings, missing="settings version", defaults=_settings_defaults)


def _known(code: str) -> str:
    if code not in DEFAULT_FRAMEWORKS:
        raise NotFound("framework")
    return code


async def framework(session: AsyncSession, code: str) -> OutcomeFramework:
    """A framework's version in force (its default stored as version 1 when first asked)."""
    return await FRAMEWORKS.current(session, _known(code))


async def framework_version(session: AsyncSession, code: str, version: int) -> OutcomeFramework:
    """A published version of a framework, or 404."""
    return await FRAMEWORKS.version(session, version, _known(code))


async def publish_framework(
    session: AsyncSession, principal: Principal, code: str, body: FrameworkWrite
) -> OutcomeFramework:
    """Publish a framework's next version; in force at once."""
    values = body.model_dump(mode="json")
    return await FRAMEWORKS.publish(session, values, principal.practitioner_id, _known(code))


async def settings(session: AsyncSession) -> OutcomeSettings:
    """The reporting settings in force (the defaults stored as version 1 when first asked)."""
    return await SETTINGS.current(session)


async def publish_settings(
    session: AsyncSession, principal: Principal | None, body: SettingsWrite
) -> OutcomeSettings:
    """Publish the settings' next version; in force at once (None: the demo published it)."""
    by = principal.practitioner_id if principal is not None else None
    return await SETTINGS.publish(session, body.model_dump(mode="json"), by)
