"""HTTP endpoints for the claim settings."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from pathway_api.claims.settings import service
from pathway_api.claims.settings.schemas import ClaimSettingsRead, ClaimSettingsWrite
from services.auditing import Audit, audited
from services.auth import CurrentPrincipal, require_any_role
from services.errors import raises
from services.principal import Principal
from services.routing import kit_router
from services.unit_of_work import DbSession

router = kit_router(tags=["supporting families claims"])
Administrator = Annotated[Principal, Depends(require_any_role("administrator"))]
Version = Annotated[int, Path(ge=1, le=1_000_000, description="The settings' version")]


@router.get("/claims/settings", summary="Read the claim settings in force")
async def read_claim_settings(session: DbSession, principal: CurrentPrincipal) -> ClaimSettingsRead:
    """The sustain period, audit sample percentage, claim period and funding model in force."""
    return ClaimSettingsRead.of(await service.current_row(session))


@router.get("/claims/settings/versions/{version}", summary="Read a settings version")
@raises(404)
async def read_claim_settings_version(
    version: Version, session: DbSession, principal: CurrentPrincipal
) -> ClaimSettingsRead:
    """A version as it was published (claims and batches name the version they were made under)."""
    return ClaimSettingsRead.of(await service.version(session, version))


@router.post("/claims/settings", status_code=201, summary="Publish claim settings")
@audited("create", "claim_settings", resource="")
async def publish_claim_settings(
    body: ClaimSettingsWrite,
    response: Response,
    session: DbSession,
    principal: Administrator,
    note: Audit,
) -> ClaimSettingsRead:
    """Publish the next version of the claim settings (administrators); in force at once."""
    row = await service.publish(session, principal, body)
    note.resource_id = str(row.version)
    response.headers["Location"] = f"/claims/settings/versions/{row.version}"
    return ClaimSettingsRead.of(row)
