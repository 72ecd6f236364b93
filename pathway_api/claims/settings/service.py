"""The claim settings in force, and publishing a new version of them.

The defaults are the national programme's: progress sustained for six months after closure,
at least a tenth of claimed families audited, quarterly claim periods, and payment by results
(the stricter model: the audit sample is decided before a batch is submitted).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pathway_api.claims.settings.models import ClaimSettings
from pathway_api.claims.settings.schemas import ClaimRules, ClaimSettingsWrite
from services.principal import Principal
from services.versioned_config import VersionedConfig

DEFAULTS = ClaimSettingsWrite(
    sustain_months=6,
    sample_percent=10,
    claim_period_months=3,
    funding_model="payment_by_results",
    note="Built-in defaults: the national programme's",
)


def _defaults(_: str | None) -> Mapping[str, Any]:
    return DEFAULTS.model_dump(mode="json")


VERSIONS = VersionedConfig(ClaimSettings, missing="claim settings version", defaults=_defaults)


async def current_row(session: AsyncSession) -> ClaimSettings:
    """The version in force; the defaults become version 1 the first time it is asked."""
    return await VERSIONS.current(session)


def rules_of(row: ClaimSettings) -> ClaimRules:
    return ClaimRules.model_validate(row, from_attributes=True)


async def current(session: AsyncSession) -> ClaimRules:
    """The settings in force."""
    return rules_of(await current_row(session))


async def version(session: AsyncSession, number: int) -> ClaimSettings:
    """A published version, or 404."""
    return await VERSIONS.version(session, number)


async def publish(
    session: AsyncSession, principal: Principal, body: ClaimSettingsWrite
) -> ClaimSettings:
    """Publish the next version; in force at once, earlier ones kept as they were."""
    return await VERSIONS.publish(session, body.model_dump(mode="json"), principal.practitioner_id)
